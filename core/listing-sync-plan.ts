/** The chunk files of each book: what the manifests want, or what a listing directory holds. */
export type BookFiles = ReadonlyMap<string, readonly string[]>;

export interface ListingSyncPlan {
  /** Books to build anew (missing, or their files differ) with exactly these files. */
  put: { book: string; files: string[] }[];
  /** Books whose folders go: no manifest names them any more. */
  remove: string[];
  unchanged: number;
}

function sameFiles(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((f) => set.has(f));
}

/**
 * Desired vs observed → the least work that makes a listing directory hold exactly the desired
 * books. A book already right is left alone; `scope` limits the plan to some books (a one-book sync).
 */
export function planListingSync(desired: BookFiles, observed: BookFiles, scope?: ReadonlySet<string>): ListingSyncPlan {
  const inScope = (book: string) => !scope || scope.has(book);
  const plan: ListingSyncPlan = { put: [], remove: [], unchanged: 0 };
  for (const [book, files] of desired) {
    if (!inScope(book)) continue;
    const have = observed.get(book);
    if (have && sameFiles(have, files)) plan.unchanged++;
    else plan.put.push({ book, files: [...files] });
  }
  for (const book of observed.keys()) {
    if (inScope(book) && !desired.has(book)) plan.remove.push(book);
  }
  plan.put.sort((a, b) => (a.book < b.book ? -1 : 1));
  plan.remove.sort();
  return plan;
}
