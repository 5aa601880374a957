// Type-checked against the installed package's declarations: the public types resolve and are
// precise (a wrong field type fails the check), with no TypeScript source of the project present.
import { LiveInterpreterModel, type LiveInterpreterOptions, type TranslationEvent } from 'lk-interpreter-azure';
import { startEmulator, type SpeechEmulator } from 'lk-interpreter-azure/emulator';

const options: LiveInterpreterOptions = { targetLanguages: ['fr'], spokenLanguage: 'fr' };
const model: LiveInterpreterModel = new LiveInterpreterModel(options);
model.session().on('translation', (event: TranslationEvent) => {
  const text: string | undefined = event.translations.fr;
  const final: boolean = event.isFinal;
  void text;
  void final;
});
const emulator: Promise<SpeechEmulator> = startEmulator({ port: 0 });
void emulator;
