import type Docker from 'dockerode';
import { createInterface } from 'node:readline';
import { bodyProblem, type BodyRule } from '../core/plan/health.js';

// The health gate. Docker's own HEALTHCHECK is followed through the events
// stream (health_status, die) instead of polling inspect; an HTTP check polls
// the URL; with neither, the container must stay up for a while without a
// restart. Every wait is bounded by the gate's timeout.

export interface HealthGate {
	/** Follow the image's/container's Docker healthcheck. */
	healthcheck: boolean;
	/** HTTP URL that must answer `expect.status` (200 by default) with a body that passes `expect.body`. */
	url?: string;
	expect?: HttpExpectation;
	/** Without healthcheck or URL: running this long with no restart counts as healthy. */
	stableMs: number;
	timeoutMs: number;
}

export type HealthResult = { ok: true; detail: string } | { ok: false; reason: string; lastCheck?: string };

export interface HealthCallbacks {
	onStatus?: (status: string, detail?: string) => void;
	/** Operator abort: ends the wait at once as a failure. */
	signal?: AbortSignal;
}

interface EngineEvent {
	Type?: string;
	Action?: string;
	status?: string;
	Actor?: { Attributes?: Record<string, string> };
}

const HTTP_INTERVAL_MS = 1_000;
const HTTP_TIMEOUT_MS = 3_000;

/** What a healthy answer is: the status, and rules over a JSON body (a profile's; none for a bare --health-url). */
export interface HttpExpectation {
	status: number;
	body: BodyRule[];
}

const PLAIN: HttpExpectation = { status: 200, body: [] };
/** Bodies past this are not read for rules: a health answer is small. */
const BODY_LIMIT = 1 << 20;

/** One GET of an app's endpoint, bounded, redirects not followed: what the health gate and the post-upgrade checks ask. */
export async function askEndpoint(url: string): Promise<{ status: number; body: string }> {
	const response = await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS), redirect: 'manual' });
	return { status: response.status, body: await response.text() };
}

/** Check a health URL once: the expected status, and every body rule on its JSON. */
export async function checkHealthUrl(url: string, expect: HttpExpectation = PLAIN): Promise<{ ok: boolean; detail: string }> {
	try {
		const response = await askEndpoint(url);
		const body = response.body;
		if (response.status !== expect.status) return { ok: false, detail: `HTTP ${response.status} from ${url}${expect.status === 200 ? '' : ` (${expect.status} expected)`}` };
		if (expect.body.length > 0) {
			let json: unknown;
			try {
				json = body.length > BODY_LIMIT ? undefined : JSON.parse(body);
			} catch {
				json = undefined;
			}
			if (json === undefined) return { ok: false, detail: `${url} answered ${response.status} but its body is not JSON (the profile checks ${expect.body.map((rule) => rule.path).join(', ')})` };
			const problem = bodyProblem(json, expect.body);
			if (problem) return { ok: false, detail: `${url} answered ${response.status} but ${problem}` };
		}
		return { ok: true, detail: `HTTP ${response.status} from ${url}${expect.body.length > 0 ? ', body rules hold' : ''}` };
	} catch (error) {
		const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
		return { ok: false, detail: `${url} did not answer (${cause})` };
	}
}

export async function lastHealthcheckOutput(docker: Docker, id: string): Promise<string | undefined> {
	try {
		const info = await docker.getContainer(id).inspect();
		const log = info.State.Health?.Log ?? [];
		const last = log[log.length - 1];
		return last ? `exit ${last.ExitCode}: ${last.Output.trim()}` : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Wait until the container passes the gate, exits, or the timeout expires.
 * The events subscription starts before the first inspect, so no transition
 * can fall between the two.
 */
export async function waitHealthy(docker: Docker, id: string, gate: HealthGate, callbacks: HealthCallbacks = {}): Promise<HealthResult> {
	const deadline = Date.now() + gate.timeoutMs;
	const events = (await docker.getEvents({
		filters: { type: ['container'], container: [id] },
	})) as NodeJS.ReadableStream & { destroy(): void };
	let exited: string | undefined;
	let healthStatus: string | undefined;
	let wake: (() => void) | undefined;
	const reader = createInterface({ input: events, crlfDelay: Infinity });
	reader.on('line', (line) => {
		let event: EngineEvent;
		try {
			event = JSON.parse(line) as EngineEvent;
		} catch {
			return;
		}
		const action = event.Action ?? event.status ?? '';
		if (action.startsWith('health_status')) {
			healthStatus = action.replace(/^health_status:\s*/, '');
			callbacks.onStatus?.(healthStatus);
		} else if (action === 'die' || action === 'oom' || action === 'restart') {
			const code = event.Actor?.Attributes?.exitCode;
			exited ??= action === 'die' ? `the container exited${code !== undefined ? ` with code ${code}` : ''}` : `the container ${action === 'oom' ? 'ran out of memory' : 'restarted'}`;
			callbacks.onStatus?.('exited', exited);
		}
		wake?.();
	});
	// The engine going away (a restarted dockerd) ends the events stream: that is a
	// failed gate now, not a silent wait until the timeout.
	let closed = false;
	const onLost = () => {
		if (closed) return;
		exited ??= 'lost the connection to the Docker engine (did it restart?)';
		wake?.();
	};
	events.on('end', onLost);
	events.on('error', onLost);
	const onAbort = () => {
		exited ??= 'aborted by the operator';
		wake?.();
	};
	callbacks.signal?.addEventListener('abort', onAbort);
	if (callbacks.signal?.aborted) onAbort();
	// Sleep until an event arrives or `ms` passes, whichever is first.
	const nap = (ms: number) =>
		new Promise<void>((resolve) => {
			const timer = setTimeout(done, Math.max(0, ms));
			function done() {
				clearTimeout(timer);
				wake = undefined;
				resolve();
			}
			wake = done;
		});
	try {
		const initial = await docker.getContainer(id).inspect();
		const restartCount = initial.RestartCount;
		if (!initial.State.Running) {
			const reason =
				initial.State.Status === 'exited' ? `the container exited with code ${initial.State.ExitCode}` : `the container is not running (${initial.State.Status})`;
			return { ok: false, reason };
		}
		healthStatus ??= initial.State.Health?.Status;
		const passed: string[] = [];

		if (gate.healthcheck) {
			callbacks.onStatus?.(healthStatus ?? 'starting', 'waiting for the Docker healthcheck');
			while (healthStatus !== 'healthy') {
				if (exited) return { ok: false, reason: exited, lastCheck: await lastHealthcheckOutput(docker, id) };
				const left = deadline - Date.now();
				if (left <= 0) {
					return {
						ok: false,
						reason: `not healthy within ${Math.round(gate.timeoutMs / 1000)} s (health: ${healthStatus ?? 'unknown'})`,
						lastCheck: await lastHealthcheckOutput(docker, id),
					};
				}
				await nap(left);
			}
			passed.push('Docker healthcheck healthy');
		}

		if (gate.url) {
			let last = '';
			for (;;) {
				if (exited) return { ok: false, reason: exited, lastCheck: last };
				const check = await checkHealthUrl(gate.url, gate.expect);
				if (check.ok) break;
				if (check.detail !== last) callbacks.onStatus?.('starting', check.detail);
				last = check.detail;
				const left = deadline - Date.now();
				if (left <= 0) {
					return { ok: false, reason: `${gate.url} not healthy within ${Math.round(gate.timeoutMs / 1000)} s`, lastCheck: last };
				}
				await nap(Math.min(HTTP_INTERVAL_MS, left));
			}
			passed.push(`HTTP ${gate.expect?.status ?? 200} from ${gate.url}${gate.expect?.body.length ? ', body rules hold' : ''}`);
		}

		if (!gate.healthcheck && !gate.url) {
			const stableUntil = Date.now() + gate.stableMs;
			callbacks.onStatus?.('starting', `must stay running for ${Math.round(gate.stableMs / 1000)} s`);
			if (stableUntil > deadline) {
				// The timeout is the hard bound; a stability window past it cannot pass.
				return { ok: false, reason: `the stability window (${gate.stableMs / 1000} s) is longer than the health timeout` };
			}
			while (Date.now() < stableUntil) {
				if (exited) return { ok: false, reason: exited };
				await nap(stableUntil - Date.now());
			}
			const after = await docker.getContainer(id).inspect();
			if (!after.State.Running || after.RestartCount !== restartCount) {
				return { ok: false, reason: `the container did not stay up (${after.State.Status}, restarts ${after.RestartCount})` };
			}
			passed.push(`running ${Math.round(gate.stableMs / 1000)} s without a restart`);
		}
		if (exited) return { ok: false, reason: exited };
		// A healthcheck-only gate already reported 'healthy' from the events stream.
		if (!gate.healthcheck || gate.url) callbacks.onStatus?.('healthy', passed.join(', '));
		return { ok: true, detail: passed.join(', ') };
	} finally {
		closed = true;
		callbacks.signal?.removeEventListener('abort', onAbort);
		wake = undefined;
		reader.close();
		events.destroy();
	}
}

