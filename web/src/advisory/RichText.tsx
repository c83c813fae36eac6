/**
 * Advisory text (Markdown or plain) as elements and text nodes, from {@link parseBlocks}: no
 * upstream string ever reaches innerHTML. Headings are shifted below the page's own (`#` → h3),
 * links open in a new tab only when http(s), CVE ids link to their CVE pages.
 */
import { useMemo } from 'preact/hooks';
import { href, Link } from '../router.tsx';
import { type Block, type Inline, parseBlocks } from './markdown.ts';
import { ExternalLink } from './ui.tsx';

function Runs({ runs }: { runs: Inline[] }) {
  return (
    <>
      {runs.map((r, i) => {
        switch (r.t) {
          case 'text':
            return r.v;
          case 'code':
            return <code key={i}>{r.v}</code>;
          case 'strong':
            return <strong key={i}>{r.v}</strong>;
          case 'em':
            return <em key={i}>{r.v}</em>;
          case 'link':
            return (
              <ExternalLink key={i} url={r.url} class="break">
                {r.v}
              </ExternalLink>
            );
          default:
            return (
              <Link key={i} href={href(`/cves/${r.v}`)} class="mono">
                {r.v}
              </Link>
            );
        }
      })}
    </>
  );
}

function BlockView({ block }: { block: Block }) {
  switch (block.t) {
    case 'heading': {
      const H = block.level <= 1 ? 'h3' : 'h4';
      return (
        <H>
          <Runs runs={block.text} />
        </H>
      );
    }
    case 'para':
      return (
        <p>
          <Runs runs={block.text} />
        </p>
      );
    case 'list': {
      const L = block.ordered ? 'ol' : 'ul';
      return (
        <L>
          {block.items.map((item, i) => (
            <li key={i}>
              <Runs runs={item} />
            </li>
          ))}
        </L>
      );
    }
    case 'quote':
      return (
        <blockquote>
          <Runs runs={block.text} />
        </blockquote>
      );
    case 'code':
      return (
        <pre>
          <code>{block.v}</code>
        </pre>
      );
    case 'table':
      return (
        <div class="table-wrap">
          <table class="small">
            <thead>
              <tr>
                {block.head.map((c, i) => (
                  <th key={i} scope="col">
                    <Runs runs={c} />
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {block.rows.map((row, i) => (
                <tr key={i}>
                  {row.map((c, j) => (
                    <td key={j}>
                      <Runs runs={c} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
  }
}

/** Markdown or plain text, rendered as text. */
export function RichText({ text, testId }: { text: string; testId?: string }) {
  const blocks = useMemo(() => parseBlocks(text), [text]);
  return (
    <div class="rich-text" data-testid={testId}>
      {blocks.map((b, i) => (
        <BlockView key={i} block={b} />
      ))}
    </div>
  );
}
