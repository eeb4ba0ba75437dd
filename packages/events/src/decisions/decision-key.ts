/** A server (tool null) or one of its tools: what a decision applies to. */
export interface DecisionSubject {
  server: string;
  tool: string | null;
}

/**
 * The key of a subject's decisions (the record key on a compacted topic, the id in the API):
 * `<server>` or `<server>/<tool>`, each part percent-encoded so a name holding `/` cannot make two
 * subjects share a key.
 */
export function decisionKey(subject: DecisionSubject): string {
  const server = encodeURIComponent(subject.server);
  return subject.tool === null ? server : `${server}/${encodeURIComponent(subject.tool)}`;
}

/** The subject a key names; undefined for a string that is not a decision key. */
export function decisionSubjectOf(key: string): DecisionSubject | undefined {
  const parts = key.split('/');
  if (parts.length > 2 || parts[0] === '') return undefined;
  try {
    const server = decodeURIComponent(parts[0] ?? '');
    const tool = parts[1] === undefined ? null : decodeURIComponent(parts[1]);
    return tool === '' ? undefined : { server, tool };
  } catch {
    return undefined;
  }
}
