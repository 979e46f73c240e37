// Layout checks any screen's test can run in the browser: text that does not fit its cell
// (scrollWidth > clientWidth: cut off or spilling into the next), short words broken inside,
// and elements of one row drawn over each other. Each returns what it found, described so a
// failure says where; an empty list means the screen is clean.
import type { Page } from '@playwright/test';

/** An element as the checks report it: its tag, its classes and the start of its text. */
interface Found {
  tag: string;
  cls: string;
  text: string;
  detail: string;
}

const describe = (f: Found) => `${f.tag}${f.cls ? `.${f.cls.trim().split(/\s+/).join('.')}` : ''}「${f.text.trim().slice(0, 30)}」${f.detail}`;

/**
 * The visible cells (or whatever `selector` names) whose content is wider than the box:
 * scrollWidth > clientWidth, with a pixel of rounding allowed; text visible to screen readers
 * only is not looked at.
 */
export async function overflowingCells(page: Page, selector = 'th, td'): Promise<string[]> {
  const found = await page.evaluate((selector) => {
    return (
      [...document.querySelectorAll<HTMLElement>(selector)]
        // A box a pixel wide is text kept for screen readers only (.visually-hidden), not a cell.
        .filter((el) => el.offsetParent !== null && el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1)
        .map((el) => ({
          tag: el.tagName.toLowerCase(),
          cls: String(el.className),
          text: el.textContent ?? '',
          detail: `: ${el.scrollWidth} > ${el.clientWidth}`,
        }))
    );
  }, selector);
  return found.map(describe);
}

/**
 * Words that must be read whole but are drawn on more than one line (評価 as 評 / 価): every
 * occurrence of one of `words` in a visible text node under `root` that spans two line boxes.
 */
export async function brokenWords(page: Page, words: readonly string[], root = 'main, body'): Promise<string[]> {
  const found = await page.evaluate(
    ({ words, root }) => {
      const out: { tag: string; cls: string; text: string; detail: string }[] = [];
      const scope = document.querySelector(root) ?? document.body;
      const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
      // Text kept for screen readers only (a 1-pixel clipped box, as .visually-hidden) is not drawn.
      const unseen = (el: Element) => {
        for (let a: Element | null = el; a; a = a.parentElement) {
          const r = a.getBoundingClientRect();
          if ((r.width <= 1 || r.height <= 1) && getComputedStyle(a).overflow === 'hidden') return true;
        }
        return false;
      };
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!el || el.offsetParent === null || unseen(el)) continue;
        const text = node.textContent ?? '';
        for (const word of words) {
          for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + word.length);
            // A word on one line has its characters on one baseline; broken, on two.
            const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
            if (tops.size > 1) out.push({ tag: el.tagName.toLowerCase(), cls: String(el.className), text: el.textContent ?? '', detail: `: ${word}` });
          }
        }
      }
      return out;
    },
    { words, root },
  );
  return found.map(describe);
}

/**
 * Within each element of `rowSelector`, pairs of its `partsSelector` elements whose boxes
 * intersect (a badge drawn over the month beside it).
 */
export async function overlapsInRows(page: Page, rowSelector: string, partsSelector: string): Promise<string[]> {
  const found = await page.evaluate(
    ({ rowSelector, partsSelector }) => {
      const out: { tag: string; cls: string; text: string; detail: string }[] = [];
      for (const row of document.querySelectorAll(rowSelector)) {
        const parts = [...row.querySelectorAll<HTMLElement>(partsSelector)].filter((el) => el.offsetParent !== null);
        const boxes = parts.map((el) => el.getBoundingClientRect());
        for (let i = 0; i < parts.length; i++) {
          for (let j = i + 1; j < parts.length; j++) {
            const [a, b] = [boxes[i]!, boxes[j]!];
            if (parts[i]!.contains(parts[j]!) || parts[j]!.contains(parts[i]!)) continue;
            const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (x > 1 && y > 1) {
              const el = parts[i]!;
              out.push({
                tag: el.tagName.toLowerCase(),
                cls: String(el.className),
                text: el.textContent ?? '',
                detail: ` × 「${(parts[j]!.textContent ?? '').trim().slice(0, 30)}」`,
              });
            }
          }
        }
      }
      return out;
    },
    { rowSelector, partsSelector },
  );
  return found.map(describe);
}
