import type { ComposeCli, ComposeProject } from './cli.js';
import { composeEnv, parseConfigHashes, serviceImages } from './cli.js';
import { runCompose } from './run-compose.js';

// What Compose itself makes of the project: the image of each service and
// its config hash (what `up` compares with the container's label to decide
// whether to recreate). Run before the edit (the files must describe what
// runs), after it (only the edited services may change) and after the
// upgrade (the next `up -d` must recreate nothing).

const CONFIG_TIMEOUT_MS = 60_000;

export interface ComposeView {
	images: Map<string, string>;
	hashes: Map<string, string>;
}

export interface ComposeRun {
	cli: ComposeCli;
	project: ComposeProject;
	strip: string[];
	env: NodeJS.ProcessEnv;
	signal?: AbortSignal;
}

export async function composeView(run: ComposeRun): Promise<ComposeView> {
	const options = { env: composeEnv(run.env, run.strip), signal: run.signal, timeoutMs: CONFIG_TIMEOUT_MS };
	// Two reads of the same files: side by side (each v1 call is a Python start-up of most of a second).
	const [config, hashes] = await Promise.all([
		runCompose(run.cli, run.project, { op: 'config' }, options),
		runCompose(run.cli, run.project, { op: 'config-hash', services: ['*'] }, options),
	]);
	return { images: await serviceImages(config.stdout), hashes: parseConfigHashes(hashes.stdout) };
}

/** Services whose configuration differs between two views, apart from `except`. */
export function changedServices(before: ComposeView, after: ComposeView, except: string[]): string[] {
	const names = new Set([...before.hashes.keys(), ...after.hashes.keys()]);
	return [...names].filter((name) => !except.includes(name) && before.hashes.get(name) !== after.hashes.get(name)).sort();
}
