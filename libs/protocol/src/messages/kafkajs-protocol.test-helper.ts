// Test-only typed access to kafkajs' internal request/response codecs (node_modules/kafkajs/src/protocol/requests).
// They are plain JS without typings, so the shapes used by the golden tests are declared here.

export interface KafkajsEncoder {
  readonly buffer: Buffer;
}
export interface KafkajsRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  encode(): Promise<KafkajsEncoder>;
}
export interface KafkajsResponse {
  decode(raw: Buffer): Promise<unknown>;
  parse?(decoded: unknown): Promise<unknown>;
}
interface KafkajsApi {
  readonly versions: readonly string[];
  protocol(o: { version: number }): (args: unknown) => { request: KafkajsRequest; response: KafkajsResponse };
}

export function kafkajsApi(dir: string): KafkajsApi {
  return require(`kafkajs/src/protocol/requests/${dir}`) as KafkajsApi;
}

export function kafkajsVersions(dir: string): number[] {
  return kafkajsApi(dir).versions.map(Number);
}
