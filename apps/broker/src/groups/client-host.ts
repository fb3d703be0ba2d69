/** Kafka reports a member's host as "/<ip>"; the connection knows "<ip>:<port>". */
export function clientHostOf(remote: string): string {
  const i = remote.lastIndexOf(':');
  const ip = i > 0 ? remote.slice(0, i) : remote;
  return `/${ip.startsWith('::ffff:') ? ip.slice(7) : ip}`;
}
