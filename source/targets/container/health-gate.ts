import type Docker from 'dockerode';
import type { ContainerRecord } from './record.js';
import { TransitionFailure, type TransitionContext } from '../../core/ports.js';
import { waitHealthy, type HealthGate } from '../../docker/health.js';
import { resolveEndpoint } from '../../docker/health-endpoint.js';
import { followTail } from '../../docker/logs.js';
import type { Unit } from '../../core/plan/plan.js';

// A container's health gate: the new container's Docker healthcheck when it has
// one (else the URL / stability rules of docker/health.ts), with its logs
// streamed meanwhile and a tail kept for the failure report.

const LOG_TAIL_LINES = 15;

function describeGate(gate: HealthGate): string {
	const parts: string[] = [];
	if (gate.healthcheck) parts.push('Docker healthcheck');
	if (gate.url) parts.push(`HTTP ${gate.expect && gate.expect.status !== 200 ? `${gate.expect.status} ` : ''}${gate.url}${gate.expect?.body.length ? ' + body rules' : ''}`);
	if (parts.length === 0) parts.push(`running ${Math.round(gate.stableMs / 1000)} s without a restart`);
	return `${parts.join(' + ')}, timeout ${Math.round(gate.timeoutMs / 1000)} s`;
}

/** The gate follows the new container's Docker healthcheck when it has one; its logs stream meanwhile. */
export async function healthGate(
	docker: Docker,
	unit: Pick<Unit, 'name' | 'health'>,
	newId: string,
	ctx: TransitionContext,
	/** Which of the unit's containers this is, when it has several (a Compose service's replicas). */
	replica?: string,
): Promise<string> {
	const gate = await gateFor(docker, unit.health, newId);
	const which = replica ? `${replica}: ` : '';
	ctx.emit({ type: 'step-started', container: unit.name, step: 'health', detail: `${which}${describeGate(gate)}${gate.skipped ? ` (${gate.skipped})` : ''}` });
	const logs = await followTail(docker, newId, LOG_TAIL_LINES, (line) => ctx.emit({ type: 'log', container: unit.name, source: 'new-container', line: `${which}${line}` }));
	let result;
	try {
		result = await waitHealthy(docker, newId, gate, {
			signal: ctx.signal,
			onStatus: (status, detail) => ctx.emit({ type: 'health', container: unit.name, status, detail: replica && detail ? `${which}${detail}` : detail }),
		});
	} finally {
		logs.stop();
	}
	if (!result.ok) {
		const detail: string[] = [];
		if (result.lastCheck) detail.push(`last health check: ${result.lastCheck}`);
		const lines = await logs.lines();
		if (lines.length > 0) detail.push('log tail:', ...lines.map((line) => `  ${line}`));
		throw new TransitionFailure('health', `the new ${replica ?? unit.name} did not become healthy: ${result.reason}`, detail);
	}
	return result.detail;
}

/**
 * The health options as a gate for one container: its Docker healthcheck
 * counts only when it has one; the profile's HTTP check is asked where this
 * host reaches the container (docker/health-endpoint.ts), or at --health-url.
 */
export async function gateFor(docker: Docker, health: ContainerRecord['health'], id: string): Promise<HealthGate & { skipped?: string }> {
	const info = await docker.getContainer(id).inspect();
	const test = info.Config.Healthcheck?.Test ?? [];
	const hasHealthcheck = test.length > 0 && test[0] !== 'NONE';
	const gate: HealthGate & { skipped?: string } = { healthcheck: health.healthcheck === 'auto' && hasHealthcheck, stableMs: health.stableMs, timeoutMs: health.timeoutMs };
	const expect = health.http ? { status: health.http.status, body: health.http.body } : undefined;
	if (expect) gate.expect = expect;
	if (health.url) {
		gate.url = health.url;
	} else if (health.http) {
		const endpoint = await resolveEndpoint(docker, info, health.http.port, health.http.path);
		if ('url' in endpoint) gate.url = endpoint.url;
		else gate.skipped = `the profile's HTTP check is not asked: ${endpoint.unreachable}`;
	}
	return gate;
}
