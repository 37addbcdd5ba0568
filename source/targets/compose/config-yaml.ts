import { parse } from 'yaml';

// `compose config` output read with the YAML parser; reached by dynamic
// import only (see cli.ts), so `yaml` is not loaded at every start.

export function imagesOfConfig(config: string): Map<string, string> {
	const doc = parse(config) as { services?: Record<string, { image?: unknown } | null> } | null;
	const images = new Map<string, string>();
	for (const [service, body] of Object.entries(doc?.services ?? {})) {
		if (typeof body?.image === 'string') images.set(service, body.image);
	}
	return images;
}
