"""Checks of a page's layout, run in the browser (no tests in here): text too small, text that overlaps
other text, content wider than the window. Used by test_browser.py and experiments/viz_load.py."""

from __future__ import annotations

#: JavaScript returning, for the visible page: every text smaller than 11 px (font size times the SVG's
#: scale), every pair of text boxes that overlap (SVG texts within one figure; HTML text lines of the
#: page, leaving out lines scrolled out of their box), elements wider than the window, and SVG texts cut
#: at their figure's left or right edge.
LAYOUT_JS = r"""
() => {
  const small = [], overlaps = [], wide = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && el.offsetParent !== null
      || (el instanceof SVGElement && r.width > 0 && r.height > 0);
  };
  // SVG text: its rendered size is its font size times the SVG's scale.
  for (const svg of document.querySelectorAll('svg[role=img]')) {
    if (!visible(svg)) continue;
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const boxes = [];
    for (const t of svg.querySelectorAll('text')) {
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px < 11 - 1e-6) small.push(`${svg.classList[0]}: "${t.textContent}" ${px.toFixed(1)} px`);
      const r = t.getBoundingClientRect();
      if (r.width > 0) boxes.push([r, t.textContent]);
      const frame = svg.getBoundingClientRect();
      if (r.width > 0 && (r.left < frame.left - 1 || r.right > frame.right + 1))
        wide.push(`${svg.classList[0]}: "${t.textContent}" cut at the figure's edge`);
    }
    for (let i = 0; i < boxes.length; i++) for (let j = 0; j < i; j++) {
      const [a, ta] = boxes[i], [b, tb] = boxes[j];
      const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (dx > 1 && dy > 1) overlaps.push(`${svg.classList[0]}: "${ta}" / "${tb}"`);
    }
  }
  const clipOf = (el) => {  // the box of the nearest ancestor that scrolls or clips its content
    for (let a = el.parentElement; a; a = a.parentElement) {
      const o = getComputedStyle(a).overflowY;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return a.getBoundingClientRect();
    }
    return null;
  };
  // HTML text: every element with its own text, in the page's main area and sidebar.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const htmlBoxes = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el || el.closest('svg') || !visible(el)) continue;
    if (el.closest('.v-tooltip__content, .v-menu__content, [role=tooltip], title, style, script')) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < 11 - 1e-6) small.push(`html ${el.tagName.toLowerCase()}.${el.className}: "${node.textContent.trim().slice(0, 40)}" ${px} px`);
    const range = document.createRange();
    range.selectNodeContents(node);
    const clip = clipOf(el);
    for (const r of range.getClientRects()) {
      if (r.width <= 1 || r.height <= 1) continue;
      if (clip && (r.top < clip.top - 1 || r.bottom > clip.bottom + 1)) continue;  // scrolled out of its box
      htmlBoxes.push([r, node.textContent.trim().slice(0, 30), el]);
    }
  }
  for (let i = 0; i < htmlBoxes.length; i++) for (let j = 0; j < i; j++) {
    const [a, ta, ea] = htmlBoxes[i], [b, tb, eb] = htmlBoxes[j];
    const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (dx > 2 && dy > 2) overlaps.push(`html: "${ta}" / "${tb}"`);
  }
  const width = document.documentElement.clientWidth;
  for (const el of document.querySelectorAll('main *, nav *, button, svg[role=img]')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && !el.closest('.v-slide-group, .v-window, [style*=overflow]')) wide.push(`${el.tagName.toLowerCase()}.${el.className && el.className.baseVal !== undefined ? el.className.baseVal : el.className}: right ${r.right.toFixed(0)} > ${width}`);
  }
  return {small, overlaps, wide, width};
}
"""

#: JavaScript taking CSS selectors and returning, for the first element of each, its box and whether it lies
#: wholly inside the window below the app bar with nothing scrolled (every scrolled box is put back at its top
#: first): what a student sees without scrolling.
IN_VIEW_JS = r"""
(selectors) => {
  window.scrollTo(0, 0);
  for (const el of document.querySelectorAll('*')) if (el.scrollTop || el.scrollLeft) { el.scrollTop = 0; el.scrollLeft = 0; }
  const bar = document.querySelector('.v-app-bar');
  const top = bar ? bar.getBoundingClientRect().bottom : 0;
  const width = document.documentElement.clientWidth, height = document.documentElement.clientHeight;
  return selectors.map((selector) => {
    const el = document.querySelector(selector);
    if (!el) return {selector, found: false, inside: false};
    const r = el.getBoundingClientRect();
    return {selector, found: true, top: Math.round(r.top), bottom: Math.round(r.bottom), left: Math.round(r.left),
            right: Math.round(r.right), window: [width, height], below_app_bar: Math.round(top),
            inside: r.width > 0 && r.top >= top - 1 && r.left >= -1 && r.bottom <= height + 1 && r.right <= width + 1};
  });
}
"""
