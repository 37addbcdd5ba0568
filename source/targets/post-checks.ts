import type Docker from 'dockerode';
import { TransitionFailure, type Transition, type TransitionContext } from '../core/ports.js';
import { defaultChecklist, versionProblem, type ChecklistItem, type PostChecks } from '../core/plan/checks.js';
import { askEndpoint } from '../docker/health.js';
import { tagOf } from '../docker/discovery.js';
import { resolveEndpoint } from '../docker/health-endpoint.js';
import { logTail } from '../docker/logs.js';

// After the health gate: the profile's post-upgrade checks on the new
// container(s) of a unit (a plain container, or every replica of a Compose
// service), the generic guide's checklist (the running version is the target,
// healthy, no failure lines in the logs). Warnings with the lines, unless the
// profile makes them gate; either way the checklist goes into the summary.
// One place for every unit kind: the drivers only say which containers are new.

const VERSION_ATTEMPTS = 3;
const VERSION_PAUSE_MS = 500;
/** Lines of the new container's log that are scanned: its start, for a tool run, is short. */
const LOG_LINES = 5_000;
const SHOWN_LINES = 5;

export interface CheckedUnit {
	name: string;
	targetRef: string;
}

/** A new container of the unit, as the checks ask it. */
export interface CheckedContainer {
	id: string;
	name: string;
}

async function versionItem(docker: Docker, id: string, check: NonNullable<PostChecks['version']>, target: string): Promise<ChecklistItem> {
	const info = await docker.getContainer(id).inspect();
	const endpoint = await resolveEndpoint(docker, info, check.port, check.path);
	if (!('url' in endpoint)) return { check: 'version', status: 'failed', detail: `cannot ask :${check.port}${check.path}: ${endpoint.unreachable}` };
	let problem = '';
	for (let attempt = 1; attempt <= VERSION_ATTEMPTS; attempt++) {
		try {
			const response = await askEndpoint(endpoint.url);
			const text = response.body;
			if (response.status !== 200) problem = `HTTP ${response.status} from ${endpoint.url}`;
			else {
				const found = versionProblem(JSON.parse(text), check.json, target);
				if (!found) return { check: 'version', status: 'done', detail: `${check.json} is ${target} at ${check.path}` };
				problem = `${endpoint.url}: ${found}`;
				break;
			}
		} catch (error) {
			problem = error instanceof SyntaxError ? `${endpoint.url} did not answer JSON` : `${endpoint.url} did not answer (${(error as Error).name})`;
		}
		if (attempt < VERSION_ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, VERSION_PAUSE_MS));
	}
	return { check: 'version', status: 'failed', detail: problem };
}

/** The first seconds after the gate are when a half-working release says so: wait them out once, for every container. */
async function watch(check: NonNullable<PostChecks['logs']>, signal?: AbortSignal): Promise<void> {
	if (check.watchS <= 0) return;
	await new Promise<void>((resolve) => {
		const timer = setTimeout(resolve, check.watchS * 1000);
		signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
	});
}

async function logsItem(docker: Docker, id: string, check: NonNullable<PostChecks['logs']>): Promise<ChecklistItem> {
	const patterns = check.fail.map((pattern) => new RegExp(pattern, 'i'));
	const lines = await logTail(docker, id, LOG_LINES);
	const matched = lines.filter((line) => patterns.some((pattern) => pattern.test(line)));
	const watched = `${check.watchS} s after the gate`;
	if (matched.length === 0) return { check: 'logs', status: 'done', detail: `no line matches ${check.fail.join(', ')} (from the start to ${watched})` };
	return { check: 'logs', status: 'failed', detail: `${matched.length} line${matched.length === 1 ? '' : 's'} match ${check.fail.join(', ')}`, lines: matched.slice(0, SHOWN_LINES) };
}

/**
 * One item for several containers (a service's replicas): done when every one
 * is, else failed with each failing container named; one container's item as it is.
 */
export function mergeItems(results: Array<{ container: string; item: ChecklistItem }>): ChecklistItem {
	if (results.length === 1) return results[0]!.item;
	const failed = results.filter((result) => result.item.status === 'failed');
	const first = results[0]!.item;
	if (failed.length === 0) return { ...first, detail: `${first.detail} (each of ${results.map((result) => result.container).join(', ')})` };
	const lines = failed.flatMap((result) => (result.item.lines ?? []).map((line) => `${result.container}: ${line}`)).slice(0, SHOWN_LINES);
	return {
		check: first.check,
		status: 'failed',
		detail: failed.map((result) => `${result.container}: ${result.item.detail}`).join('; '),
		...(lines.length > 0 ? { lines } : {}),
	};
}

async function eachContainer(containers: CheckedContainer[], check: (id: string) => Promise<ChecklistItem>): Promise<ChecklistItem> {
	const results: Array<{ container: string; item: ChecklistItem }> = [];
	for (const container of containers) results.push({ container: container.name, item: await check(container.id) });
	return mergeItems(results);
}

export async function runPostChecks(docker: Docker, unit: CheckedUnit, containers: CheckedContainer[], checks: PostChecks, healthDetail: string, ctx: TransitionContext): Promise<ChecklistItem[]> {
	const target = tagOf(unit.targetRef) ?? unit.targetRef;
	// What the profile does not check stays as a unit without checks shows it.
	const [version, health, logs] = defaultChecklist(healthDetail) as [ChecklistItem, ChecklistItem, ChecklistItem];
	const versionCheck = checks.version;
	const logsCheck = checks.logs;
	const items: ChecklistItem[] = [
		versionCheck ? await eachContainer(containers, (id) => versionItem(docker, id, versionCheck, target)) : version,
		health,
		logsCheck ? await watch(logsCheck, ctx.signal).then(() => eachContainer(containers, (id) => logsItem(docker, id, logsCheck))) : logs,
	];
	ctx.emit({ type: 'checklist', container: unit.name, items });
	return items;
}

/** The step after the health gate; `facts` gives the new containers and the gate's verdict once they are known. */
export function postChecksTransition(docker: Docker, unit: CheckedUnit, checks: PostChecks, facts: () => { containers: CheckedContainer[]; health: string }): Transition {
	return {
		kind: 'post-checks',
		step: 'checks',
		intent: `post-upgrade checks of the new ${unit.name}${checks.gate ? ' (they gate)' : ''}`,
		undo: { kind: 'none', why: 'a check changes nothing' },
		run: async (ctx) => {
			const { containers, health } = facts();
			if (containers.length === 0) throw new TransitionFailure('checks', `no new container of ${unit.name} to check`);
			const items = await runPostChecks(docker, unit, containers, checks, health, ctx);
			const failed = items.filter((item) => item.status === 'failed');
			if (failed.length > 0 && checks.gate) {
				throw new TransitionFailure('checks', `post-upgrade checks failed: ${failed.map((item) => `${item.check}: ${item.detail}`).join('; ')}`, failed.flatMap((item) => item.lines ?? []));
			}
			for (const item of failed) ctx.emit({ type: 'warning', container: unit.name, message: `post-upgrade ${item.check} check: ${item.detail}${item.lines ? `: ${item.lines.join(' | ')}` : ''}` });
			return items.map((item) => `${item.check} ${item.status}`).join(', ');
		},
	};
}
