/** JSON embedded in a YAML string (flannel's net-conf.json, a Multus config): where its parse failed, in its own lines. */

/** JSON.parse's complaint, with the line and column inside the embedded text when the message gives a position. */
export function describeJsonError(text: string, e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const m = /at position (\d+)/.exec(message);
  if (!m) return message;
  const offset = Number(m[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `${message.replace(/ \(line \d+ column \d+\)$/, '')}, line ${line} column ${col} of the JSON`;
}
