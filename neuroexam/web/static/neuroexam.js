// The "Start again" button after a session ends (no inline script: the page's CSP forbids it).
document.addEventListener("DOMContentLoaded", () => {
  const restart = document.getElementById("restart");
  if (restart) {
    restart.addEventListener("click", () => window.location.reload());
  }
});
