import type { StatusPage, StatusReport } from '@budgetwatch/api';

/** The whole status report, read page by page from GET /api/v1/status (as the dashboard does). */
export interface WholeStatusReport extends StatusReport {
  /** The pages it took, each as it came. */
  pages: StatusPage[];
}

export async function readWholeStatusReport(
  getJson: <T>(path: string) => Promise<T>,
  limit?: number,
): Promise<WholeStatusReport> {
  const pages: StatusPage[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams();
    if (limit !== undefined) query.set('limit', String(limit));
    if (cursor !== null) query.set('cursor', cursor);
    const page: StatusPage = await getJson<StatusPage>(`/api/v1/status?${query}`);
    pages.push(page);
    cursor = page.next;
  } while (cursor !== null);
  return {
    generatedAt: pages[0]?.generatedAt ?? '',
    servers: pages.flatMap((page) => page.servers),
    unregistered: pages.flatMap((page) => page.unregistered),
    overflow: pages.at(-1)?.overflow ?? { tools: false, servers: false },
    pages,
  };
}
