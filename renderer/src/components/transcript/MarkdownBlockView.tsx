import { memo } from 'react';
import type { MarkdownBlock } from '../../lib/markdown-blocks.js';
import { InlineMarkdown } from './InlineMarkdown.js';

export const MarkdownBlockView = memo(function MarkdownBlockView({ block }: { block: Exclude<MarkdownBlock, { type: 'fence' }> }) {
  switch (block.type) {
    case 'heading':
      return (
        <div className={`md-heading h${Math.min(block.level, 4)}`}>
          <InlineMarkdown text={block.text} />
        </div>
      );
    case 'paragraph':
      return (
        <p className="md-p">
          <InlineMarkdown text={block.text} />
        </p>
      );
    case 'quote':
      return (
        <blockquote className="md-quote">
          <InlineMarkdown text={block.text} />
        </blockquote>
      );
    case 'rule':
      return <hr className="md-rule" />;
    case 'list': {
      const items = block.items.map((item, index) => (
        <li key={index}>
          <InlineMarkdown text={item} />
        </li>
      ));
      return block.ordered ? (
        <ol className="md-list" start={block.start}>
          {items}
        </ol>
      ) : (
        <ul className="md-list">{items}</ul>
      );
    }
  }
});
