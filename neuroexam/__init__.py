"""NeuroExam: the scratch and cutaneous trunci reflex exam, step by step."""

__version__ = "0.1.0"
