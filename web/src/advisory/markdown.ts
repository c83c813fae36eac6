/**
 * A small Markdown reader for advisory text (OSV `details`, CERT-FR `content`, CERT-EU Markdown,
 * CSAF notes), producing a tree the page renders as elements and text nodes: upstream text is
 * never inserted as HTML, and an HTML tag in it shows as the characters it is. It reads the
 * CommonMark forms these feeds use (https://spec.commonmark.org/0.31.2/): ATX headings, paragraphs,
 * bullet and ordered lists, block quotes, fenced and indented code, pipe tables (GFM), and inline
 * code, strong, emphasis, links, autolinks and bare URLs; CVE ids become links to their pages. A
 * YAML front matter block (CERT-EU) is left out. Plain text reads as paragraphs; a single line
 * break inside one is a soft break (shown as a space), as CommonMark says (§6.8): CERT-FR wraps its
 * text at 80 columns.
 */

/** An inline run. `cve`: a CVE id found in the text (an in-app link). */
export type Inline =
  | { t: 'text'; v: string }
  | { t: 'code'; v: string }
  | { t: 'strong'; v: string }
  | { t: 'em'; v: string }
  | { t: 'link'; v: string; url: string }
  | { t: 'cve'; v: string };

/** A block of the document. */
export type Block =
  | { t: 'heading'; level: number; text: Inline[] }
  | { t: 'para'; text: Inline[] }
  | { t: 'list'; ordered: boolean; items: Inline[][] }
  | { t: 'quote'; text: Inline[] }
  | { t: 'code'; v: string }
  | { t: 'table'; head: Inline[][]; rows: Inline[][][] };

// One alternative per inline form, tried left to right; the first group that matched says which.
const INLINE =
  /`([^`\n]+)`|\*\*(?=\S)(.+?)\*\*|__(?=\S)(.+?)__|(?<![\w*])\*(?=\S)([^*\n]+?)\*(?![\w*])|(?<!\w)_(?=\S)([^_\n]+?)_(?!\w)|\[([^\]\n]+)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)|<(https?:\/\/[^>\s]+)>|(https?:\/\/[^\s<>()"']+[^\s<>()"'.,;:!?])|\b(CVE-\d{4}-\d{4,})\b/gi;

/** Inline runs of one block's text. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  const push = (node: Inline) => {
    const prev = out.at(-1);
    if (node.t === 'text' && prev?.t === 'text') prev.v += node.v;
    else out.push(node);
  };
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) push({ t: 'text', v: text.slice(last, m.index) });
    last = m.index + m[0].length;
    if (m[1] !== undefined) push({ t: 'code', v: m[1] });
    else if (m[2] !== undefined || m[3] !== undefined) push({ t: 'strong', v: (m[2] ?? m[3])! });
    else if (m[4] !== undefined || m[5] !== undefined) push({ t: 'em', v: (m[4] ?? m[5])! });
    else if (m[6] !== undefined) push({ t: 'link', v: m[6], url: m[7]! });
    else if (m[8] !== undefined) push({ t: 'link', v: m[8], url: m[8] });
    else if (m[9] !== undefined) push({ t: 'link', v: m[9], url: m[9] });
    else push({ t: 'cve', v: m[10]!.toUpperCase() });
  }
  if (last < text.length) push({ t: 'text', v: text.slice(last) });
  return out;
}

const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$/;
const ITEM = /^ {0,3}([-*+]|\d{1,9}[.)])\s+(.*)$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_RULE = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;

function cells(row: string): Inline[][] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => parseInline(c.trim()));
}

/** Drops a leading YAML front matter block (`---` … `---`). */
function withoutFrontMatter(lines: string[]): string[] {
  if (lines[0]?.trim() !== '---') return lines;
  const end = lines.findIndex((l, i) => i > 0 && /^(---|\.\.\.)\s*$/.test(l));
  return end > 0 ? lines.slice(end + 1) : lines;
}

/** The blocks of a Markdown or plain-text document. */
export function parseBlocks(source: string): Block[] {
  const lines = withoutFrontMatter(source.replace(/\r\n?/g, '\n').split('\n'));
  const blocks: Block[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length > 0) blocks.push({ t: 'para', text: parseInline(para.join('\n')) });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const body: string[] = [];
      const close = new RegExp(`^ {0,3}${fence[1]![0]}{${fence[1]!.length},}\\s*$`);
      while (++i < lines.length && !close.test(lines[i]!)) body.push(lines[i]!);
      blocks.push({ t: 'code', v: body.join('\n') });
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (para.length === 0 && /^( {4}|\t)/.test(line)) {
      const body: string[] = [];
      for (; i < lines.length && (/^( {4}|\t)/.test(lines[i]!) || lines[i]!.trim() === ''); i++) body.push(lines[i]!.replace(/^( {4}|\t)/, ''));
      i--;
      blocks.push({ t: 'code', v: body.join('\n').trimEnd() });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      blocks.push({ t: 'heading', level: heading[1]!.length, text: parseInline(heading[2] ?? '') });
      continue;
    }
    if (RULE.test(line)) {
      flush();
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      flush();
      const ordered = /\d/.test(item[1]!);
      const prev = blocks.at(-1);
      const list = prev?.t === 'list' && prev.ordered === ordered && lines[i - 1]?.trim() !== '' ? prev : null;
      const items = [item[2]!];
      // Continuation lines of this item (indented, or lazy), until a blank line or a new block.
      while (i + 1 < lines.length && lines[i + 1]!.trim() !== '' && !ITEM.test(lines[i + 1]!) && !HEADING.test(lines[i + 1]!) && !FENCE.test(lines[i + 1]!)) {
        items[0] += `\n${lines[++i]!.trim()}`;
      }
      if (list) list.items.push(parseInline(items[0]!));
      else blocks.push({ t: 'list', ordered, items: [parseInline(items[0]!)] });
      continue;
    }
    const quote = QUOTE.exec(line);
    if (quote) {
      flush();
      const body = [quote[1]!];
      while (i + 1 < lines.length && QUOTE.test(lines[i + 1]!)) body.push(QUOTE.exec(lines[++i]!)![1]!);
      blocks.push({ t: 'quote', text: parseInline(body.join('\n')) });
      continue;
    }
    if (TABLE_ROW.test(line) && TABLE_RULE.test(lines[i + 1] ?? '')) {
      flush();
      const head = cells(line);
      i++;
      const rows: Inline[][][] = [];
      while (i + 1 < lines.length && TABLE_ROW.test(lines[i + 1]!)) rows.push(cells(lines[++i]!));
      blocks.push({ t: 'table', head, rows });
      continue;
    }
    para.push(line);
  }
  flush();
  return blocks;
}
