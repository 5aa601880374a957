/**
 * Waits for `work` at most `ms`: true when it settled in time (resolved or rejected), false when
 * the time ran out first. The work itself goes on; only the wait ends. For shutdown steps that
 * wait on a peer (a LiveKit server, an Azure socket) that may never answer.
 */
export async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = work.then(
    () => true,
    () => true,
  );
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
