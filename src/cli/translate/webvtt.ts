/** WebVTT captions: one cue per utterance, timed at the source speech. */

export interface Cue {
  startMs: number;
  endMs: number;
  text: string;
}

export function vttTimestamp(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = Math.floor((total % 60_000) / 1000);
  const millis = total % 1000;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}.${pad(millis, 3)}`;
}

export function webVtt(cues: readonly Cue[], language: string): string {
  const lines = ['WEBVTT', `Language: ${language}`, ''];
  cues.forEach((cue, i) => {
    // "-->" inside cue text would end the timing line early; it cannot occur in translations we make.
    lines.push(String(i + 1), `${vttTimestamp(cue.startMs)} --> ${vttTimestamp(Math.max(cue.endMs, cue.startMs + 500))}`, cue.text.replace(/-->/g, '->'), '');
  });
  return lines.join('\n');
}
