// The copy button beside a key or secret shown once: copies the text and says so in a polite live
// region. Without the clipboard API (a plain-http page) the text is selected for the keyboard instead.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector("[data-copy-status]");
  if (!source || !status) return;
  let copied = false;
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
    copied = true;
  } catch {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  status.textContent = copied ? "Copied" : "Selected: press Ctrl+C (⌘C on a Mac) to copy";
  clearTimeout(status.clearing);
  status.clearing = setTimeout(() => { status.textContent = ""; }, 5000);
});
