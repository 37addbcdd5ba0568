import type { Plan } from '../../core/plan/plan.js';
import { describeHealth } from '../../core/plan/health.js';
import { describeChecks } from '../../core/plan/checks.js';
import type { ContainerPlan } from './plan.js';
import type { DependentPlan } from './dependents.js';
import { describeOneOff, oneOffName } from '../one-off-command.js';

function joins(via: DependentPlan['via'], provider: string): string {
	return via === 'namespace' ? `in ${provider}'s network namespace` : `linked to ${provider}`;
}

/** A dependent's recreate in words (the plan screen says the same). */
export function recreateWords(dependent: DependentPlan, provider: string): string {
	const where = dependent.via === 'namespace' ? `in the new ${provider}'s network namespace` : `linked to the new ${provider}`;
	return `recreate ${dependent.name}: rename it ${dependent.parkedName}, create it from ${dependent.imageRef} with its own configuration ${where}, start it, health gate (its own healthcheck, else running ${Math.round(dependent.health.stableMs / 1000)} s)`;
}

/** One container's lines of the plan (what --dry-run prints under its number). */
export function describeContainer(container: ContainerPlan, plan: Plan<ContainerPlan>): string[] {
	const staged = container.stagedName;
	const lines = [
		...(staged ? [`   create the new ${container.name} as ${staged} from ${container.targetRef} while the old one serves`] : []),
		...container.dependents.map((dependent) => `   ${staged ? 'then' : 'first'} stop ${dependent.name} (timeout ${dependent.stopTimeoutS} s; ${joins(dependent.via, container.name)})`),
		staged
			? `   stop ${container.name} (timeout ${container.stopTimeoutS} s), rename it ${container.parkedName}, rename ${staged} to ${container.name} and start it`
			: `   stop ${container.name} (timeout ${container.stopTimeoutS} s), rename it ${container.parkedName}, create and start the new ${container.name} (created after the stop${container.lateCreate ? `: ${container.lateCreate}` : ''})`,
	];
	if (container.migrateFirst) {
		const first = plan.units.find((unit) => unit.migrateFirst) === container;
		lines.push(
			first
				? `   before the new ${container.name} starts: the one-off migration in ${oneOffName(container)} of the new image (its env, networks, volumes): ${describeOneOff(container.migrateFirst)}; must exit 0`
				: '   the one-off migration ran before the first container of the hop',
		);
	}
	lines.push(`   ${describeHealth(container.health)}`);
	const checks = container.profile.checks;
	if (checks) lines.push(`   ${describeChecks(checks)}`);
	for (const dependent of container.dependents) lines.push(`   then ${recreateWords(dependent, container.name)}`);
	const parked = [container.parkedName, ...container.dependents.map((dependent) => dependent.parkedName)].join(', ');
	lines.push(
		plan.keepOld
			? `   then keep ${parked}`
			: `   then remove ${parked}${plan.units.length > 1 ? ' once every container of the hop is healthy' : ''}`,
	);
	lines.push(
		container.dependents.length > 0
			? '   on failure: remove the new dependents and rename the old ones back, remove the new container, rename the old one back, start it, then start the old dependents (its namespace is the same container again)'
			: '   on failure: remove the new container, rename the old one back, start it',
	);
	for (const diff of container.specDiff) lines.push(`   ~ ${diff}`);
	return lines;
}
