import type { Plan } from '../../core/plan/plan.js';
import { describeHealth } from '../../core/plan/health.js';
import type { ContainerPlan } from './plan.js';

/** One container's lines of the plan (what --dry-run prints under its number). */
export function describeContainer(container: ContainerPlan, plan: Plan<ContainerPlan>): string[] {
	const lines = [
		`   stop ${container.name} (timeout ${container.stopTimeoutS} s), rename it ${container.parkedName}, create and start the new ${container.name}`,
	];
	lines.push(`   ${describeHealth(container.health)}`);
	lines.push(
		plan.keepOld
			? `   then keep ${container.parkedName}`
			: `   then remove ${container.parkedName}${plan.units.length > 1 ? ' once every container of the hop is healthy' : ''}`,
	);
	lines.push('   on failure: remove the new container, rename the old one back, start it');
	for (const diff of container.specDiff) lines.push(`   ~ ${diff}`);
	return lines;
}
