import React, { useState } from 'react';
import { Box, Text } from 'ink';
import type { DatabaseOverrides } from '../../core/wizard-backend.js';
import { Frame, useBodyHeight, useChrome } from '../chrome.js';
import { maskTypedUrl, maskUrlPasswords, wrapText } from '../format.js';
import { Status } from '../marks.js';
import { TextInput } from '../text-input.js';
import { useKeys, useTerminalSize } from '../terminal.js';
import { GateScreen } from './gate-screen.js';

// The plan could not find the app's database (no DATABASE_URL, no --db, no
// --skip-backup). With --yes that is exit 2; here the operator can answer
// what the flags would have: the database's URL (its password never drawn),
// or an explicit skip, confirmed on a screen that defaults to no. When the
// app's database is not PostgreSQL (SQL Server) no URL can help: only the skip
// is offered.

export interface NoDatabaseScreenProps {
	container: string;
	/** The app's database is one the wizard cannot back up: no URL to type, only a skip. */
	notPostgres?: boolean;
	/** The planner's own words (which variable it looked for). */
	message: string;
	onAnswer: (overrides: DatabaseOverrides) => void;
	onBack: () => void;
	onQuit: () => void;
}

type Mode = 'menu' | 'url' | 'skip';

const URL_SCHEME = /^postgres(ql)?:\/\/./;

export function NoDatabaseScreen({ container, notPostgres = false, message, onAnswer, onBack, onQuit }: NoDatabaseScreenProps) {
	const { helpOpen, setHelpOpen } = useChrome();
	const { columns } = useTerminalSize();
	const height = useBodyHeight();
	const [mode, setMode] = useState<Mode>('menu');
	const [hint, setHint] = useState<string>();

	useKeys((input, key) => {
		if (input === '?') setHelpOpen(true);
		else if (input === 'q') onQuit();
		else if (key.escape) onBack();
		else if (!notPostgres && (input === 'u' || key.return)) {
			setHint(undefined);
			setMode('url');
		} else if (input === 's') {
			setHint(undefined);
			setMode('skip');
		} else if (input) setHint(notPostgres ? 's upgrade without a backup · esc back' : 'u type the URL · s upgrade without a backup · esc back');
	}, !helpOpen && mode === 'menu');

	if (mode === 'skip') {
		return (
			<Frame help="gate" hints="y then enter skip the backup · enter/n/esc back · q quit">
				<GateScreen
					gate={{
						kind: 'skip-backup',
						title: 'Upgrade without a backup?',
						message: `No backup of ${container}'s database will be taken. If the new version migrates the schema and fails, there is no way back.`,
						container,
					}}
					active={!helpOpen}
					height={height - 1}
					onAnswer={(yes) => {
						if (yes) onAnswer({ skipBackup: true });
						else setMode('menu');
					}}
					onInterrupt={onQuit}
				/>
			</Frame>
		);
	}

	const why = wrapText(maskUrlPasswords(message), columns);
	return (
		<Frame
			help="database"
			hints={mode === 'url' ? 'enter plan with this database · esc back · ctrl-c quit' : `${notPostgres ? '' : 'u type the URL · '}s skip the backup · esc back · q quit`}
		>
			<Box flexDirection="column">
				<Status variant="warning">{notPostgres ? `${container}'s database is not PostgreSQL` : `No database found for ${container}`}</Status>
				{why.map((line, index) => (
					<Text key={index} dimColor wrap="truncate">
						{line}
					</Text>
				))}
				<Text> </Text>
				{wrapText(
					notPostgres
						? 'The wizard backs up only PostgreSQL: this upgrade can go ahead only without a backup.'
						: "The backup before the upgrade needs the app's database: it is the only way back from a migration.",
					columns,
				).map((line, index) => (
					<Text key={`w${index}`} wrap="truncate">
						{line}
					</Text>
				))}
				<Text> </Text>
				{mode === 'url' ? (
					<>
						{wrapText('Database URL (postgres://user:password@host:port/db; the password is not shown):', columns).map((line, index) => (
							<Text key={`u${index}`} wrap="truncate">
								{line}
							</Text>
						))}
						<TextInput
							active={!helpOpen}
							placeholder="postgres://"
							display={maskTypedUrl}
							onSubmit={(value) => {
								const url = value.trim();
								if (URL_SCHEME.test(url)) onAnswer({ db: url });
								else setHint('The URL must start with postgres:// or postgresql://');
							}}
							onCancel={() => {
								setHint(undefined);
								setMode('menu');
							}}
						/>
					</>
				) : (
					<>
						{notPostgres ? null : <Text wrap="truncate">{'  u   type its URL: postgres://user:password@host:port/db'}</Text>}
						<Text wrap="truncate">{'  s   upgrade without a backup (asks again to be sure)'}</Text>
					</>
				)}
				<Text dimColor wrap="truncate">
					{hint ?? ' '}
				</Text>
			</Box>
		</Frame>
	);
}
