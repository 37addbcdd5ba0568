import type { Plan } from '../../core/plan/plan.js';
import type { SwarmServiceUnit } from './unit.js';

// A Swarm service's lines of the plan: what the update asks the engine for
// (the spec diff, as --dry-run shows it before anything is sent) and what
// happens when a task does not come up.

/** The health gate of a service in words: the engine's, per task (the Plan screen's health line). */
export function swarmHealthWords(unit: SwarmServiceUnit): string {
	return `each new task stays up for ${Math.round(unit.monitorNs / 1e9)} s with its own healthcheck passing, else the engine rolls the service back; the wizard follows until the engine says completed (at most ${Math.round(unit.followMs / 1000)} s)`;
}

export function describeSwarmService(unit: SwarmServiceUnit, plan: Plan<SwarmServiceUnit>): string[] {
	const replicas = unit.replicas === 'global' ? 'a global service (one task per node)' : `${unit.replicas} replica${unit.replicas === 1 ? '' : 's'}`;
	return [
		`   Swarm service ${unit.service} (${replicas}), upgraded by the engine's own rolling update`,
		'   spec diff (the rest of the spec is sent back as it is):',
		...unit.changes.map((line) => `     ${line}`),
		`   ${swarmHealthWords(unit)}`,
		`   on failure: the engine rolls the service back to ${unit.oldImage} itself; a paused or stuck update is rolled back by the wizard${plan.units.length > 1 ? ', and every service of the hop goes back' : ''}`,
	];
}
