import type { Plan } from '../../core/plan/plan.js';
import type { ContainerPlan } from './plan.js';

/** One container's lines of the plan (what --dry-run prints under its number). */
export function describeContainer(container: ContainerPlan, plan: Plan<ContainerPlan>): string[] {
	const lines = [
		`   stop ${container.name} (timeout ${container.stopTimeoutS} s), rename it ${container.parkedName}, create and start the new ${container.name}`,
	];
	const gate = [
		"the new image's Docker healthcheck if it has one",
		container.health.url ? `HTTP 200 from ${container.health.url}` : undefined,
		`else running ${container.health.stableMs / 1000} s without a restart`,
	].filter(Boolean);
	lines.push(`   health gate: ${gate.join('; ')} (timeout ${container.health.timeoutMs / 1000} s)`);
	lines.push(
		plan.keepOld
			? `   then keep ${container.parkedName}`
			: `   then remove ${container.parkedName}${plan.units.length > 1 ? ' once every container of the hop is healthy' : ''}`,
	);
	lines.push('   on failure: remove the new container, rename the old one back, start it');
	for (const diff of container.specDiff) lines.push(`   ~ ${diff}`);
	return lines;
}
