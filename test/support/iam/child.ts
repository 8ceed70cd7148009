import { appendFileSync } from 'node:fs';
import { loadRole } from './evaluator';
import { IamGuard } from './guard';
import { activate, install } from './install';
import { Stack, type StackParams } from './template';

// In a forked process under test every call is the process's own: none is the harness's.
const role = process.env.SHELFSTACK_TEST_IAM_ROLE;
if (role) {
  const opts = JSON.parse(process.env.SHELFSTACK_TEST_IAM_PARAMS ?? '{}') as StackParams;
  const report = process.env.SHELFSTACK_TEST_IAM_REPORT;
  install();
  activate(
    new IamGuard(loadRole(role, opts), new Stack(opts), {
            onDenial: (d) => {
        process.stderr.write(`${JSON.stringify({ level: 'error', event: 'iam_denied', ...d })}\n`);
        if (report) appendFileSync(report, `${JSON.stringify(d)}\n`);
      },
    }),
  );
}
