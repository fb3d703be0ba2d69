/** Raised when request bytes do not follow the grammar. The connection that sent them is closed. */
export class ProtocolDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolDecodeError';
  }
}
