import type { PlanPreview } from '../core/wizard-backend.js';
import { describePlan } from '../core/plan/describe.js';
import { editDiff } from '../targets/compose/describe.js';
import { describeUnit, planCluster, type UpgradeRequest } from './upgrade-session.js';
import { Redactor } from '../text/redact.js';
import type { EngineSelection } from './engine-cluster.js';
import { describeHealth } from '../core/plan/health.js';
import { backupWords, stepWords, stopWords } from './plan-steps.js';
import { unitLabel } from '../core/cluster-names.js';
import { swarmHealthWords } from '../targets/swarm/describe.js';

// The Plan screen's preview: the same plan as --dry-run, in the screen's words.
// Loaded by import() when the screen opens (it pulls in the whole planner).

export async function previewPlan(groups: EngineSelection[], request: UpgradeRequest, env: NodeJS.ProcessEnv): Promise<PlanPreview> {
	// A preview touches nothing, as --dry-run: a missing backup dir is reported, not created.
	// One engine or several: the cluster's planner, as the run will call it.
	const plan = await planCluster(groups, { ...request, dryRun: true }, env, new Redactor());
	const final = `${plan.path.repository}:${plan.hops.at(-1)}`;
	return {
		lines: describePlan(plan, describeUnit),
		warnings: [
			...plan.path.warnings,
			...(plan.path.postgresMajor
				? [`PostgreSQL ${plan.path.postgresMajor.from} -> ${plan.path.postgresMajor.to}: the data moves to a new volume; the old server and volume are kept`]
				: plan.path.majorGate
					? ['major upgrade: expect breaking changes']
					: []),
			...(plan.database?.migratingHops.length ? [`schema migration in ${plan.database.migratingHops.join(', ')}: the backup is the only way back`] : []),
		],
		containers: plan.units.map((container) => ({
			name: container.name,
			label: unitLabel(container),
			engine: container.engine,
			from: container.from,
			to: final,
			hops: plan.hops.slice(0, -1),
			steps: stepWords(container, plan, plan.database?.display),
			stops: stopWords(container),
			...(container.kind === 'compose' ? { diff: container.edits.flatMap(editDiff) } : {}),
			profile: `${container.profile.name} (${container.profile.id}, ${container.profile.source})`,
			backup: backupWords(container, plan),
			health: container.kind === 'swarm-service' ? swarmHealthWords(container) : describeHealth(container.health).replace(/^health gate: /, ''),
			kind: container.kind,
		})),
	};
}
