// The course's additions to the book theme (Jupyter Book adds every .js in
// _static/ to every page). Checked by tests/browser/test_book.py.

// MathJax cannot break an inline formula across lines. On a phone, one wider
// than its paragraph gets a horizontal scroll box of its own (class wide-math,
// course.css) instead of being cut off or widening the page.
function markWideInlineMath() {
  document.querySelectorAll('mjx-container:not([display="true"])').forEach((math) => {
    math.classList.remove("wide-math");
    const column = math.parentElement.closest("p, li, dd, td, th, div");
    if (column && math.getBoundingClientRect().width > column.clientWidth) {
      math.classList.add("wide-math");
    }
  });
}

window.addEventListener("load", () => {
  if (window.MathJax && window.MathJax.startup) {
    window.MathJax.startup.promise.then(markWideInlineMath);
  }
});
window.addEventListener("resize", markWideInlineMath);

// Search results quote a page's text, not the labels of its buttons and menus
// ("Download .ipynb .pdf", "Show code cell source") or the print-only table of
// contents.
const NOT_PAGE_TEXT = [
  "button",
  ".bd-header-article",
  ".onlyprint",
  ".dropdown-menu",
  "details.hide > summary",
  ".toggle-button",
].join(", ");

document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || !Search.htmlToText) return;
  const pageText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    page.querySelectorAll(NOT_PAGE_TEXT).forEach((element) => element.remove());
    return pageText(page.documentElement.outerHTML, anchor);
  };
});
