import type { LlmScheduler, WaitInfo } from './llm-scheduler.js';
import type { ChatModel, ChatTurnRequest, ChatTurnResult, ServerIdentity } from './llm-types.js';

/**
 * A ChatModel whose turns wait for the shared scheduler: sessions keep calling `chat` as before,
 * and the queue decides when each turn reaches the server.
 */
export class ScheduledChatModel implements ChatModel {
  constructor(
    private readonly inner: ChatModel,
    private readonly scheduler: LlmScheduler,
    private readonly sessionId: string,
    /** Told when this session's turn has to wait: its place in the rotation, or that memory holds it back. */
    private readonly onQueued?: (info: WaitInfo) => void,
    /** Told when a turn that memory held back gets the server, with how long it waited. */
    private readonly onAdmitted?: (waitedMs: number) => void,
  ) {}

  publishedContextLength(): Promise<number | null> {
    return this.inner.publishedContextLength?.() ?? Promise.resolve(null);
  }

  serverIdentity(): ServerIdentity | null {
    return this.inner.serverIdentity?.() ?? null;
  }

  async chat(request: ChatTurnRequest): Promise<ChatTurnResult> {
    let memoryTold = false;
    const since = Date.now();
    const pending = this.scheduler.acquire(this.sessionId, request.signal, (info) => {
      memoryTold = true;
      this.onQueued?.(info);
    });
    const position = this.scheduler.positionOf(this.sessionId);
    if (position >= 0 && !memoryTold) this.onQueued?.({ reason: 'turns', position });
    const release = await pending;
    if (memoryTold) this.onAdmitted?.(Date.now() - since);
    try {
      return await this.inner.chat(request);
    } finally {
      release();
    }
  }
}
