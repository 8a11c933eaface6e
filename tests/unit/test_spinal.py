"""Limb-reflex localisation (DOMAIN.md 4.2, docs/CLINICAL_RULES.md §9): the limb pairs, the
region, every caveat in the basis, and how the trunci reflex joins in."""

from __future__ import annotations

import pytest

from neuroexam.core import spinal
from neuroexam.core.spinal import CtrFacts, Motor, analyse_limbs, localise, pelvic_reflexes_normal
from neuroexam.core.vocab import PELVIC_LIMB, PERINEUM, THORACIC_LIMB, Grade, Side, TestId

L, R = Side.LEFT, Side.RIGHT
SHOCK = "repeat the exam every 12-24 h"


def grades(**kw: str | tuple[str, str]) -> dict[tuple[TestId, str, Side], Grade]:
    """``pat=``, ``wpl=``, ``wtl=``, ``per=``, ``ppl=``, ``ptl=``, ``npl=``, ``ntl=``: a grade for
    both sides or a (left, right) pair ('' leaves a side out)."""
    where = {
        "pat": (TestId.PATELLAR, PELVIC_LIMB),
        "wpl": (TestId.WITHDRAWAL, PELVIC_LIMB),
        "wtl": (TestId.WITHDRAWAL, THORACIC_LIMB),
        "per": (TestId.PERINEAL, PERINEUM),
        "ppl": (TestId.POSTURAL, PELVIC_LIMB),
        "ptl": (TestId.POSTURAL, THORACIC_LIMB),
        "npl": (TestId.NOCICEPTION, PELVIC_LIMB),
        "ntl": (TestId.NOCICEPTION, THORACIC_LIMB),
    }
    out = {}
    for key, value in kw.items():
        test, site = where[key]
        pair = (value, value) if isinstance(value, str) else value
        for side, grade in zip((L, R), pair, strict=True):
            if grade:
                out[(test, site, side)] = Grade(grade)
    return out


def place(
    g: dict,
    signs: tuple[str, ...] = (),
    ctr: CtrFacts | None = None,
    horner: set | None = None,
    cat: bool = False,
) -> spinal.Localisation:
    return localise(
        analyse_limbs(g, signs),
        ctr or CtrFacts(),
        horner or set(),
        "paraplegia" in signs,
        cat,
        SHOCK,
    )


# ------------------------------------------------------------------ limb pairs


def test_nothing_tested_is_not_tested() -> None:
    limbs = analyse_limbs({}, ())
    assert limbs.thoracic.motor is Motor.NOT_TESTED and limbs.pelvic.motor is Motor.NOT_TESTED
    assert not limbs.examined
    assert place({}).region is None


def test_reduced_reflex_is_lmn_with_its_sides() -> None:
    pelvic = analyse_limbs(grades(pat=("reduced", "present")), ()).pelvic
    assert pelvic.motor is Motor.LMN and pelvic.lowered == (L,)
    assert "patellar (L4-L6) reduced left" in pelvic.reasons[0]
    both = analyse_limbs(grades(wpl="absent"), ()).pelvic
    assert both.lowered == (L, R)


def test_perineal_alone_makes_the_pelvic_limbs_lmn() -> None:
    assert analyse_limbs(grades(per=("", "reduced")), ()).pelvic.motor is Motor.LMN


def test_normal_reflexes_without_deficit_are_normal() -> None:
    limbs = analyse_limbs(grades(pat="present", wpl="present", wtl="present"), ())
    assert limbs.pelvic.motor is Motor.NORMAL and limbs.thoracic.motor is Motor.NORMAL
    assert limbs.examined
    assert place(grades(pat="present", wtl="present")).region is None


@pytest.mark.parametrize(
    ("g", "signs"),
    [
        (grades(pat="present", ppl="reduced"), ()),  # a delayed postural reaction
        (grades(pat="present", npl="absent"), ()),  # no deep pain
        (grades(pat="present"), ("paraplegia",)),
        (grades(pat="present"), ("paraparesis_ambulatory",)),
        (grades(pat="exaggerated"), ()),  # brisk alone
        (grades(wpl="clonus"), ()),
    ],
)
def test_normal_or_brisk_reflexes_with_deficits_are_umn(g: dict, signs: tuple[str, ...]) -> None:
    assert analyse_limbs(g, signs).pelvic.motor is Motor.UMN


def test_deficits_without_reflexes_are_deficit_only() -> None:
    limbs = analyse_limbs(grades(ppl="absent"), ("paraplegia",))
    assert limbs.pelvic.motor is Motor.DEFICIT_ONLY
    assert place(grades(ppl="absent"), ("paraplegia",)).region is None


def test_tetraparesis_signs_count_for_both_pairs() -> None:
    limbs = analyse_limbs(grades(wtl="present", pat="present"), ("tetraparesis_ambulatory",))
    assert limbs.thoracic.motor is Motor.UMN and limbs.pelvic.motor is Motor.UMN


def test_not_tested_grades_are_ignored() -> None:
    assert analyse_limbs(grades(pat="not_tested"), ()).pelvic.motor is Motor.NOT_TESTED


# ------------------------------------------------------------------ regions


def test_l4_s3() -> None:
    out = place(grades(pat="reduced", wtl="present"))
    assert out.region == spinal.L4_S3 and out.cord
    assert any("thoracic limbs normal" in b for b in out.basis)


def test_l4_s3_without_thoracic_limbs_does_not_claim_them_normal() -> None:
    out = place(grades(pat="reduced"))
    assert out.region == spinal.L4_S3
    assert not any("thoracic limbs normal" in b for b in out.basis)


def test_pseudo_hyperreflexia_is_lmn_with_its_caveat() -> None:
    g = grades(pat=("exaggerated", "present"), wpl=("reduced", "present"))
    limbs = analyse_limbs(g, ())
    assert limbs.pseudo_hyperreflexia == (L,)
    out = place(g)
    assert out.region == spinal.L4_S3
    assert any("pseudo-hyperreflexia on the left" in b and "sciatic" in b for b in out.basis)


def test_clonus_counts_for_pseudo_hyperreflexia() -> None:
    g = grades(pat=("", "clonus"), wpl=("", "absent"))
    assert analyse_limbs(g, ()).pseudo_hyperreflexia == (R,)


def test_t3_l3_from_umn_pelvic_limbs() -> None:
    out = place(grades(pat="exaggerated", wtl="present"), ("paraparesis_ambulatory",))
    assert out.region == spinal.T3_L3 and out.cord
    assert "thoracic limbs normal" in out.basis
    out = place(grades(pat="exaggerated"), ("paraparesis_ambulatory",))
    assert "thoracic limbs not tested" in out.basis


def test_c1_c5_from_umn_in_all_limbs() -> None:
    out = place(grades(wtl="present", ptl="reduced", pat="present", ppl="reduced"))
    assert out.region == spinal.C1_C5 and out.cord


def test_umn_thoracic_with_lmn_pelvic_is_multifocal() -> None:
    out = place(grades(wtl="present", ptl="absent", pat="reduced"))
    assert out.region == spinal.MULTIFOCAL
    assert any("more than one lesion" in b for b in out.basis)


def test_lmn_in_all_limbs_is_multifocal() -> None:
    out = place(grades(wtl="reduced", pat="reduced"))
    assert out.region == spinal.MULTIFOCAL and out.cord


def test_thoracic_lmn_alone_is_cervical_either_with_the_forterre_caveat() -> None:
    out = place(grades(wtl=("reduced", "present"), pat="exaggerated"), ("paraparesis_ambulatory",))
    assert out.region == spinal.CERVICAL_EITHER
    assert any("Forterre" in b and "unreliable" in b for b in out.basis)
    assert out.cord


def test_thoracic_lmn_confirmed_by_efferent_trunci_loss_on_that_side() -> None:
    g = grades(wtl=("reduced", "present"))
    assert place(g, ctr=CtrFacts(efferent_side=L)).region == spinal.C6_T2
    assert place(g, ctr=CtrFacts(efferent_side=R)).region == spinal.CERVICAL_EITHER


def test_thoracic_lmn_supported_by_horner_on_that_side_only() -> None:
    g = grades(wtl=("", "reduced"))
    out = place(g, horner={R})
    assert out.region == spinal.C6_T2
    assert any("Murthy 2023" in b for b in out.basis)
    assert place(g, horner={L}).region == spinal.CERVICAL_EITHER
    unsided = place(g, horner={None})
    assert unsided.region == spinal.CERVICAL_EITHER
    assert any("without a side" in b for b in unsided.basis)


def test_thoracic_lmn_with_normal_pelvic_limbs_is_not_a_cord_lesion() -> None:
    out = place(grades(wtl=("reduced", "present"), pat="present"), ctr=CtrFacts(efferent_side=L))
    assert out.region == spinal.C6_T2 and not out.cord


def test_thoracic_deficits_without_reflexes_and_umn_pelvic_limbs() -> None:
    out = place(grades(ptl="absent", pat="exaggerated"), ("paraparesis_ambulatory",))
    assert out.region == spinal.CERVICAL_EITHER and out.cord


# ------------------------------------------------------------------ with the trunci reflex

CUTOFF = "thoracolumbar trunci cut-off (left L2, right L2)"


def test_umn_pelvic_limbs_and_a_cutoff_agree() -> None:
    out = place(grades(pat="exaggerated"), ("paraplegia",), CtrFacts(tl_cutoff=CUTOFF))
    assert out.region == spinal.T3_L3 and CUTOFF in out.basis and not out.warnings


def test_lmn_pelvic_limbs_cutoff_and_paraplegia_is_spinal_shock() -> None:
    out = place(grades(pat="reduced"), ("paraplegia",), CtrFacts(tl_cutoff=CUTOFF))
    assert out.region == spinal.T3_L3
    assert any("spinal shock" in b for b in out.basis)
    assert out.warnings == [SHOCK]


def test_lmn_pelvic_limbs_and_a_climbing_cutoff_is_a_pmm_marker() -> None:
    facts = CtrFacts(tl_cutoff=CUTOFF, migrating=True)
    out = place(grades(pat="reduced"), ("paraplegia",), facts)
    assert out.region == spinal.T3_L3 and not out.warnings
    assert any("myelomalacia" in b for b in out.basis)


def test_lmn_pelvic_limbs_and_a_cutoff_without_paraplegia_is_multifocal() -> None:
    out = place(grades(pat="reduced"), ("paraparesis_ambulatory",), CtrFacts(tl_cutoff=CUTOFF))
    assert out.region == spinal.MULTIFOCAL and CUTOFF in out.basis and not out.warnings


def test_cervical_limbs_and_a_cutoff_is_multifocal() -> None:
    out = place(grades(wtl="present", ptl="absent", pat="present"), ctr=CtrFacts(tl_cutoff=CUTOFF))
    assert out.region == spinal.MULTIFOCAL
    assert any("limbs point to C1-C5" in b for b in out.basis)


def test_cat_basis_says_the_trunci_takes_no_part() -> None:
    out = place(grades(pat="reduced"), cat=True)
    assert out.region == spinal.L4_S3
    assert out.basis[0].startswith("in a cat the trunci reflex takes no part")
    assert not place({}, cat=True).basis


def test_pelvic_reflexes_normal() -> None:
    assert pelvic_reflexes_normal(grades(pat="exaggerated", wpl="present"))
    assert not pelvic_reflexes_normal(grades(pat="present", wpl=("reduced", "present")))
    assert not pelvic_reflexes_normal(grades(wtl="present"))  # none graded
    assert not pelvic_reflexes_normal(grades(pat="not_tested"))


# ------------------------------------------------------------------ the spinal part (protocol)


def test_spinal_part_of_the_protocol(protocols) -> None:  # type: ignore[no-untyped-def]
    from neuroexam.core.session import all_steps, grade_keys
    from neuroexam.core.vocab import SPINAL_SITES, Species, grades_for

    part = protocols.spinal
    assert part is not None and part.label.startswith("spinal:")
    assert [pid for pid, _ in protocols.parts()] == ["quick", "spinal", "trunci"]
    for species in Species:
        quick = protocols.exam(species)
        spinal_exam = protocols.exam(species, "spinal")
        assert [t.id for t in quick.tests] == [TestId.CUTANEOUS_TRUNCI, TestId.SCRATCH]
        assert spinal_exam.parts == ["quick", "spinal"]
        assert [t.id for t in spinal_exam.tests][:2] == [TestId.CUTANEOUS_TRUNCI, TestId.SCRATCH]
        assert {t.id for t in spinal_exam.tests[2:]} == set(SPINAL_SITES)
        extra = [s for s in all_steps(spinal_exam) if s.test in SPINAL_SITES]
        assert len(extra) == 2 * sum(len(sites) for sites in SPINAL_SITES.values())
    for test in part.tests:
        assert test.technique and test.normal and test.abnormal and test.teaching
        assert {s.id for s in test.sites} == set(SPINAL_SITES[test.id])
    with pytest.raises(KeyError):
        protocols.exam(Species.DOG, "full")
    assert "4" in grade_keys(TestId.PATELLAR) and "4" not in grade_keys(TestId.CUTANEOUS_TRUNCI)
    assert set(grade_keys(TestId.NOCICEPTION).values()) == set(grades_for(TestId.NOCICEPTION))
    assert Grade.EXAGGERATED not in grades_for(TestId.POSTURAL)


def test_findings_refuse_grades_and_sites_a_test_does_not_offer() -> None:
    from pydantic import ValidationError

    from neuroexam.core.models import Finding

    Finding(test="patellar", site="pelvic_limb", side="left", grade="clonus")
    with pytest.raises(ValidationError, match="not used for nociception"):
        Finding(test="nociception", site="pelvic_limb", side="left", grade="reduced")
    with pytest.raises(ValidationError, match="not used for cutaneous_trunci"):
        Finding(test="cutaneous_trunci", site="L2", side="left", grade="clonus")
    with pytest.raises(ValidationError, match="bad site 'perineum' for withdrawal"):
        Finding(test="withdrawal", site="perineum", side="left", grade="present")
