import React from 'react';
import type { useUpgradeChoices } from '../use-upgrade-choices.js';
import { NoDatabaseScreen } from './no-database-screen.js';
import { PlanScreen } from './plan-screen.js';

// Stage 4: the plan, or, when the backend found no database to back up, the
// question of which one (a URL, or no backup; only no backup for a database
// that is not PostgreSQL); answered, it plans again.

export interface PlanStageProps {
	choices: ReturnType<typeof useUpgradeChoices>;
	onConfirm: () => void;
	onBack: () => void;
	onQuit: () => void;
}

export function PlanStage({ choices, onConfirm, onBack, onQuit }: PlanStageProps) {
	const { previewLoad, chosen, overrides } = choices;
	if (previewLoad.status === 'error' && (previewLoad.kind === 'no-database' || previewLoad.kind === 'not-postgres')) {
		return (
			<NoDatabaseScreen
				notPostgres={previewLoad.kind === 'not-postgres'}
				container={previewLoad.container ?? chosen[0]?.name ?? ''}
				message={previewLoad.message}
				onAnswer={choices.answerDatabase}
				onBack={onBack}
				onQuit={onQuit}
			/>
		);
	}
	return (
		<PlanScreen
			load={previewLoad}
			tag={choices.tag ?? ''}
			onConfirm={onConfirm}
			onBack={onBack}
			onQuit={onQuit}
			onRetry={choices.retryPreview}
			onChangeDatabase={overrides ? choices.forgetDatabase : undefined}
		/>
	);
}
