// Measures the laid-out HTML report in the browser that laid it out (tests/reports/test_html_layout.py).
// Evaluated as one expression; returns plain JSON. It opens every <details> first, as a reader
// would, so the evidence is measured too; nothing else here changes the page.
(() => {
  for (const d of document.querySelectorAll("details")) d.open = true;
  const words = /[\p{L}\p{N}]+/gu;
  const range = document.createRange();

  // A word is broken when its characters lie on more than one line.
  function brokenWords(root) {
    const out = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.data;
      for (const m of text.matchAll(words)) {
        if (m[0].length < 2) continue;
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = [...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top));
        const lines = [...new Set(tops)].sort((a, b) => a - b);
        if (lines.length > 1 && lines[lines.length - 1] - lines[0] > 2) {
          const cell = node.parentElement.closest("td, th, dt, dd, li, p, h1, h2, h3, summary") || node.parentElement;
          out.push({word: m[0], lines: lines.length, in: cell.tagName.toLowerCase() + (cell.className ? "." + cell.className : "")});
        }
      }
    }
    return out;
  }

  // WCAG 2.x relative luminance and contrast ratio.
  function rgba(text) {
    const v = text.match(/[\d.]+/g).map(Number);
    return {r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1};
  }
  function over(top, bottom) {
    const a = top.a;
    return {r: top.r * a + bottom.r * (1 - a), g: top.g * a + bottom.g * (1 - a), b: top.b * a + bottom.b * (1 - a), a: 1};
  }
  function luminance(c) {
    const f = x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  }
  function ratio(fg, bg) {
    const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    return (l1 + 0.05) / (l2 + 0.05);
  }
  function background(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.a > 0) layers.push(c);
      if (c.a >= 1) break;
    }
    let bg = {r: 255, g: 255, b: 255, a: 1};  // the canvas
    for (const layer of layers.reverse()) bg = over(layer, bg);
    return bg;
  }
  function contrast() {
    const out = [];
    for (const el of document.body.querySelectorAll("*")) {
      const own = [...el.childNodes].some(n => n.nodeType === 3 && n.data.trim());
      if (!own || !el.getClientRects().length) continue;
      const style = getComputedStyle(el);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      const bg = background(el);
      const value = ratio(over(rgba(style.color), bg), bg);
      out.push({tag: el.tagName.toLowerCase(), cls: el.className || "", text: el.textContent.trim().slice(0, 40),
                ratio: Math.round(value * 100) / 100, needed: large ? 3 : 4.5});
    }
    return out;
  }
  function statusColours() {
    const root = getComputedStyle(document.documentElement);
    const white = {r: 255, g: 255, b: 255, a: 1};
    const out = {};
    for (const status of ["pass", "warn", "fail", "error", "skip", "manual"]) {
      const probe = document.createElement("span");
      probe.style.color = root.getPropertyValue("--" + status);
      document.body.appendChild(probe);
      out[status] = Math.round(ratio(rgba(getComputedStyle(probe).color), white) * 100) / 100;
      probe.remove();
    }
    return out;
  }

  function box(el) { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top}; }
  const checklist = [...document.querySelectorAll("#checklist ul.items > li")].map(li => ({
    badge: box(li.querySelector(".badge")), title: box(li.querySelector("strong")), item: box(li),
  }));
  // The "visually hidden" pattern (a 1px clipped box, kept for screen readers) is not laid out to be seen.
  function visuallyHidden(el) {
    for (let e = el; e; e = e.parentElement) {
      const r = e.getBoundingClientRect();
      if (getComputedStyle(e).position === "absolute" && r.width <= 1 && r.height <= 1) return true;
    }
    return false;
  }
  const overflowingCells = [...document.querySelectorAll("td, th, dd, dt")]
    .filter(el => !visuallyHidden(el) && el.scrollWidth > el.clientWidth + 1)
    .map(el => el.tagName.toLowerCase() + ": " + el.textContent.trim().slice(0, 40));

  // The first line of text of each cell of a table row, as drawn (a cell styled like another
  // element, e.g. by a shared class name, starts lower than its neighbours).
  const rowTops = [...document.querySelectorAll("#checks tbody tr")].map(tr => [...tr.cells].map(td => {
    range.selectNodeContents(td);
    const first = [...range.getClientRects()].find(r => r.width > 0);
    return first ? Math.round(first.top) : null;
  }));

  return {
    width: window.innerWidth,
    rowTops,
    scrollWidth: document.documentElement.scrollWidth,
    lang: document.documentElement.lang,
    title: document.title,
    headings: [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map(h => Number(h.tagName[1])),
    brokenInTables: brokenWords(document.querySelector("#checks")),
    brokenAnywhere: brokenWords(document.body),
    checklist,
    overflowingCells,
    contrast: contrast(),
    statusColours: statusColours(),
  };
})()
