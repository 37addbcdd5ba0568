// The parts of an image config blob the wizard reads before pulling: labels say
// the app version and schema version, the rest tells image defaults from operator
// settings when the container is recreated.

export interface ImageConfig {
	/** Digest of the config blob (the image ID). */
	digest: string;
	/** Digest of the platform manifest the config came from. */
	manifestDigest: string;
	labels: Record<string, string>;
	env: string[];
	cmd?: string[];
	entrypoint?: string[];
	workingDir?: string;
	user?: string;
	stopSignal?: string;
	exposedPorts: string[];
	volumes: string[];
	healthcheck?: { test?: string[]; interval?: number; timeout?: number; startPeriod?: number; startInterval?: number; retries?: number };
	os?: string;
	architecture?: string;
	created?: string;
	raw: unknown;
}

type Json = Record<string, unknown>;

export function parseImageConfig(raw: unknown, digest: string, manifestDigest: string): ImageConfig {
	const root: Json = isObject(raw) ? raw : {};
	const config: Json = isObject(root.config) ? root.config : {};
	const health = isObject(config.Healthcheck) ? config.Healthcheck : undefined;
	return {
		digest,
		manifestDigest,
		labels: stringRecord(config.Labels),
		env: stringArray(config.Env) ?? [],
		cmd: stringArray(config.Cmd),
		entrypoint: stringArray(config.Entrypoint),
		workingDir: optionalString(config.WorkingDir),
		user: optionalString(config.User),
		stopSignal: optionalString(config.StopSignal),
		exposedPorts: isObject(config.ExposedPorts) ? Object.keys(config.ExposedPorts) : [],
		volumes: isObject(config.Volumes) ? Object.keys(config.Volumes) : [],
		healthcheck: health
			? {
					test: stringArray(health.Test),
					interval: optionalNumber(health.Interval),
					timeout: optionalNumber(health.Timeout),
					startPeriod: optionalNumber(health.StartPeriod),
					startInterval: optionalNumber(health.StartInterval),
					retries: optionalNumber(health.Retries),
				}
			: undefined,
		os: optionalString(root.os),
		architecture: optionalString(root.architecture),
		created: optionalString(root.created),
		raw,
	};
}

function isObject(value: unknown): value is Json {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function stringRecord(value: unknown): Record<string, string> {
	const out: Record<string, string> = {};
	if (!isObject(value)) return out;
	for (const [key, item] of Object.entries(value)) if (typeof item === 'string') out[key] = item;
	return out;
}

function stringArray(value: unknown): string[] | undefined {
	return Array.isArray(value) && value.every((item) => typeof item === 'string') ? [...value] : undefined;
}

function optionalString(value: unknown): string | undefined {
	return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function optionalNumber(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
