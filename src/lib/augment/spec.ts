/**
 * The augmentation setting: how far each random change to a training image may
 * go. Off (null) by default. Its compact URL form lists the changes that are on,
 * joined by "_" (characters a URL keeps as they are), zeros left out:
 *
 *   augment=rotate15_shift0.1_shear10_zoom0.1_flip_brightness0.2
 *
 * is up to 15° of rotation either way, shifts up to a tenth of the width and
 * height, up to 10° of shear, zoom between 0.9× and 1.1×, a left–right mirror
 * half the time, and up to ±0.2 added to every pixel (pixels are 0–1).
 * `augment=off`, or no `augment` at all, is off.
 */
import { structuredField, toNumber } from '../fields';

export interface Augment {
  /** Largest rotation either way, in degrees. */
  rotate: number;
  /** Largest shift either way, as a fraction of the image's width (across) and height (down). */
  shift: number;
  /** Largest horizontal shear either way, in degrees. */
  shear: number;
  /** Largest zoom either way: the scale is drawn from [1 − zoom, 1 + zoom]. */
  zoom: number;
  /** Mirror left–right half the time. */
  flip: boolean;
  /** Largest brightness change either way, added to pixels in 0–1 (the result is clipped to 0–1). */
  brightness: number;
}

export type AugmentSetting = Augment | null;

type Amount = Exclude<keyof Augment, 'flip'>;
/** The amounts in URL order, each with its range: the settings form's sliders read these too. */
export const AMOUNTS: readonly { key: Amount; label: string; max: number; step: number; unit: string }[] = [
  { key: 'rotate', label: 'Rotation', max: 180, step: 1, unit: '°' },
  { key: 'shift', label: 'Shift', max: 0.5, step: 0.01, unit: '' },
  { key: 'shear', label: 'Shear', max: 45, step: 1, unit: '°' },
  { key: 'zoom', label: 'Zoom', max: 0.9, step: 0.01, unit: '' },
  { key: 'brightness', label: 'Brightness', max: 1, step: 0.01, unit: '' },
];

/** What turning augmentation on starts from: mild changes that suit digits and photos alike. */
export const DEFAULT_AUGMENT: Readonly<Augment> = Object.freeze({ rotate: 10, shift: 0.1, shear: 0, zoom: 0.1, flip: false, brightness: 0 });

const NONE: Augment = { rotate: 0, shift: 0, shear: 0, zoom: 0, flip: false, brightness: 0 };

function fromJson(raw: unknown): AugmentSetting | undefined {
  if (raw === null || raw === false) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const out: Augment = { ...NONE };
  for (const { key } of AMOUNTS) {
    if (r[key] === undefined) continue;
    const n = toNumber(r[key]);
    if (n === undefined) return undefined;
    out[key] = n;
  }
  if (r.flip !== undefined && typeof r.flip !== 'boolean') return undefined;
  out.flip = r.flip === true;
  return out;
}

function fromText(text: string): AugmentSetting | undefined {
  const t = text.trim();
  if (t === '' || t === 'off') return null;
  const out: Augment = { ...NONE };
  const seen = new Set<string>();
  for (const token of t.split('_')) {
    const m = /^([a-z]+)(\d+(?:\.\d+)?(?:e-\d+)?)?$/.exec(token);
    if (!m || seen.has(m[1])) return undefined;
    seen.add(m[1]);
    if (m[1] === 'flip' && m[2] === undefined) out.flip = true;
    else if (m[2] !== undefined && AMOUNTS.some((a) => a.key === m[1])) out[m[1] as Amount] = Number(m[2]);
    else return undefined;
  }
  return out;
}

function toText(value: AugmentSetting): string {
  if (value === null) return 'off';
  const parts: string[] = [];
  for (const { key } of AMOUNTS) {
    if (key === 'brightness' && value.flip) parts.push('flip');
    if (value[key] !== 0) parts.push(`${key}${value[key]}`);
  }
  // Every change at zero is still "on" (the form's sliders all at the left); it must not read back as off.
  return parts.length ? parts.join('_') : 'rotate0';
}

function check(value: AugmentSetting): string | undefined {
  if (value === null) return undefined;
  const bad = AMOUNTS.find(({ key, max }) => !(value[key] >= 0 && value[key] <= max));
  return bad ? `${bad.label.toLowerCase()} must be between 0 and ${bad.max}` : undefined;
}

export const augmentField = structuredField<AugmentSetting>({
  label: 'Augmentation',
  default: null,
  fromJson,
  fromText,
  toText,
  check,
  help: 'Random changes to training images (never validation or test images); image datasets only.',
});

/** Whether a setting changes anything at all. */
export const augments = (a: AugmentSetting): a is Augment =>
  a !== null && (a.flip || AMOUNTS.some(({ key }) => a[key] > 0));
