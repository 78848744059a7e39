import type { ServerStatus } from '../../api/payloads.js';
import type { FactoryConfig } from '../../config/config-schema.js';
import { FactoryError } from '../../errors/factory-error.js';
import type { ChatModel } from '../../llm/llm-types.js';
import { OpenAiChatModel } from '../../llm/openai-chat-model.js';
import type { CommandModelServer } from '../model-server.js';
import { readApiKey } from './api-key.js';
import { ExternalServerControl } from './external-server.js';

/** server.url in factory.yaml, for one command: checked once, its API key read once, never stopped. */
export class ConfiguredUrlServer implements CommandModelServer {
  private readonly control: ExternalServerControl;
  private apiKey: string | undefined;

  constructor(
    private readonly config: FactoryConfig,
    /** -m MODEL: what to ask for instead of the one the server is found to serve. */
    private readonly model?: string,
  ) {
    this.control = new ExternalServerControl({ config: () => config });
  }

  async ensure(): Promise<void> {
    const status = await this.control.start();
    if (status.state !== 'adopted') throw new FactoryError('SERVER_UNREACHABLE', `${status.detail} (server.url in factory.yaml)`);
    this.apiKey = await readApiKey(this.config.server.api_key_env);
  }

  chatModel(timeoutMs: number): ChatModel {
    return new OpenAiChatModel({
      baseUrl: this.config.server.url ?? '',
      timeoutMs,
      model: this.model ?? this.control.model(),
      apiKey: this.apiKey,
    });
  }

  status(): ServerStatus {
    return this.control.status();
  }

  stop(): Promise<unknown> {
    return this.control.stop();
  }
}
