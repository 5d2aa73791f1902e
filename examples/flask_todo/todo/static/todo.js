// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Ask before a delete form posts.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // Success messages fade after a few seconds; errors stay until the next page.
  document.querySelectorAll(".flash-success").forEach((flash) => {
    setTimeout(() => flash.classList.add("fading"), 4000);
  });
});
