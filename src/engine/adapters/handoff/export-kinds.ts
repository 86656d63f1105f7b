/**
 * What each method's export is, in words the Export panel shows, from its
 * declaration (`exportAs` in <method>/method.ts): PEFT adapters only for the
 * peft types PEFT knows; an adapter in this app's own format (and, for a
 * method whose authors forked PEFT, in theirs too); a whole checkpoint; or
 * this app's parameter files. No tfjs here: the page imports it.
 */
import { METHOD_SPECS, methodSpec, type AdapterMethodName } from '../methods';

export type ExportKind = 'peft-adapter' | 'own-adapter' | 'full-checkpoint' | 'parameters';

/** Which format an adapter is written in: this app's, or its method authors' fork of PEFT. */
export type AdapterFormat = 'ours' | 'authors';

export function exportKind(method: AdapterMethodName): ExportKind {
  return methodSpec(method).exportAs.kind;
}

export function hasAuthorsFormat(method: AdapterMethodName): boolean {
  return methodSpec(method).exportAs.authorsFormat === true;
}

/** One download the Export panel offers for a run (besides the merged model). */
export interface ExportChoice {
  format: AdapterFormat;
  /** The button's text. */
  label: string;
  /** What the file is and what loads it, for the button's title. */
  explanation: string;
}

export function exportChoices(method: AdapterMethodName): ExportChoice[] {
  const spec = methodSpec(method);
  switch (exportKind(method)) {
    case 'peft-adapter':
      return [{ format: 'ours', label: 'PEFT adapter (.zip)', explanation: `${spec.label} in PEFT's format: PeftModel.from_pretrained loads it (README inside)` }];
    case 'own-adapter': {
      const ours: ExportChoice = {
        format: 'ours',
        label: `${spec.label} adapter (our format, .zip)`,
        explanation: `peft_type ${spec.peftTypes[0]}: this app (and the reference fixtures) read it; released PEFT does not know it (README inside)`,
      };
      if (!hasAuthorsFormat(method)) return [ours];
      return [
        ours,
        {
          format: 'authors',
          label: `${spec.label} adapter (authors' PEFT fork, .zip)`,
          explanation: `for PeftModel.from_pretrained in the authors' fork of PEFT (${spec.source.match(/savadikarc\/\w+/)?.[0] ?? 'their repository'}), which wraps nn.Linear only (README inside)`,
        },
      ];
    }
    case 'full-checkpoint':
      return [{ format: 'ours', label: 'Full checkpoint (Hugging Face, .zip)', explanation: 'config.json + model.safetensors: from_pretrained loads it without PEFT (README inside)' }];
    case 'parameters':
      return [
        {
          format: 'ours',
          label: `${spec.label} parameters (our format, .zip)`,
          explanation: "the trained tensors under the checkpoint's own names: load_state_dict(..., strict=False) onto the base model (README inside); PEFT has no such type",
        },
      ];
  }
}

/** The labels of the methods whose exports are of a kind, for sentences ("a PEFT adapter (…)"). */
export function methodsExportingAs(kind: ExportKind): string[] {
  return METHOD_SPECS.filter((spec) => spec.exportAs.kind === kind).map((spec) => spec.label);
}
