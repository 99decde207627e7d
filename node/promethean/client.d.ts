// Types of `promethean/client` (client.mjs): the client of `promethean serve` (docs/SERVE.md).
import type { ServeClient, ServeConnectOptions } from './index';

export type { ServeClient, ServeConnectOptions };

/** Connects to a server's URL (ws://127.0.0.1:PORT/?token=…, as `promethean serve` printed it). */
export declare function connect(url: string, options?: ServeConnectOptions): Promise<ServeClient>;

/** `data` with the shape it is sent with: tensor(pixels, [height, width, 4]). */
export declare function tensor<T extends ArrayBufferView>(data: T, shape: number[]): T & { readonly shape: number[] };

/** An error raised by a runtime of the host, or by the server (runtime "serve"). */
export declare class ForeignError extends Error {
  readonly runtime: string;
  readonly type: string;
  readonly foreignMessage: string;
  readonly trace: string;
  /** The WebSocket close code, when the connection closed under a call. */
  code?: number;
}

declare const client: { connect: typeof connect; tensor: typeof tensor; ForeignError: typeof ForeignError };
export default client;
