import { z } from 'zod';
import type { ChatToolCall } from '../agents/chat-message.js';
import { MAX_CALLS_PER_REPLY } from '../agents/native-tools.js';

/**
 * Streamed `tool_calls` put back together (OpenAI's delta format): the first delta of a call carries
 * its `index`, `id` and `function.name`, later ones more `function.arguments` text for the same index.
 * Servers differ (mlx_lm.server sends each call whole in one delta; some omit `index` or `id`), and
 * what they send is not trusted: each delta is checked with zod, odd ones are skipped, and the number
 * of calls and the length of a name are capped (the reply's byte cap bounds the arguments).
 */
const MAX_CALLS = MAX_CALLS_PER_REPLY;
const MAX_NAME = 200;

const deltaSchema = z.looseObject({
  index: z.int().nonnegative().max(1000).optional(),
  id: z.string().max(200).nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

interface Building {
  id: string | null;
  name: string;
  arguments: string;
}

export class ToolCallAccumulator {
  private readonly byIndex = new Map<number, Building>();

  add(deltas: unknown): void {
    if (!Array.isArray(deltas)) return;
    for (const raw of deltas) {
      const delta = deltaSchema.safeParse(raw);
      if (!delta.success) continue;
      // No index: a new call when it names one, else more of the last.
      const last = Math.max(-1, ...this.byIndex.keys());
      const index = delta.data.index ?? (delta.data.function?.name ? last + 1 : Math.max(0, last));
      let call = this.byIndex.get(index);
      if (call === undefined) {
        if (this.byIndex.size >= MAX_CALLS) continue;
        call = { id: null, name: '', arguments: '' };
        this.byIndex.set(index, call);
      }
      if (delta.data.id) call.id = delta.data.id;
      const name = delta.data.function?.name;
      if (name) call.name = (call.name + name).slice(0, MAX_NAME);
      const args = delta.data.function?.arguments;
      if (args) call.arguments += args;
    }
  }

  /** The calls in index order; a call without an id gets one of ours (the answer must name it). */
  calls(): ChatToolCall[] {
    return [...this.byIndex.entries()]
      .sort(([a], [b]) => a - b)
      .filter(([, call]) => call.name !== '')
      .map(([index, call]) => ({ id: call.id ?? `call_${index}`, name: call.name, arguments: call.arguments }));
  }
}
