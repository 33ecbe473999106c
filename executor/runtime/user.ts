// `user:` / `group_add` → numeric ids, resolved in the container's own /etc/passwd and
// /etc/group as docker does (runc's GetExecUser rules). Pure: the caller reads the two files
// (readContainerEtc below) and passes their text.
import { TscError } from '../../schema/errors.ts';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** The user's home from /etc/passwd, for HOME (docker sets it when the image did not). */
  home: string;
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 4) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, uid, gid, home: f[5] || '/' });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 3) continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, gid, members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

const isNum = (s: string) => /^\d+$/.test(s);

/**
 * Resolves `user` ("", "name", "uid", "name:group", "uid:gid") and `group_add` entries.
 * A name that is not in the file is an error (docker: "unable to find user x"); a number need
 * not be there.
 */
export function resolveUser(user: string | undefined, groupAdd: string[] | undefined, passwdText: string, groupText: string): ResolvedUser {
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  const [u = '', g] = (user ?? '').split(':', 2);
  let entry: PasswdEntry | undefined;
  let uid = 0;
  if (u === '') {
    entry = passwd.find((p) => p.uid === 0);
  } else if (isNum(u)) {
    uid = Number(u);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === u);
    if (!entry) throw new TscError('USER', `Unable to find user "${u}": no matching entries in the container's /etc/passwd`);
  }
  if (entry) uid = entry.uid;
  let gid = entry?.gid ?? 0;
  if (g !== undefined && g !== '') gid = groupId(g, groups);
  const additional = new Set<number>();
  // Supplementary groups from /etc/group membership, as runc does (by user name).
  if (entry) for (const gr of groups) if (gr.members.includes(entry.name) && gr.gid !== gid) additional.add(gr.gid);
  for (const ga of groupAdd ?? []) additional.add(groupId(ga, groups));
  return { uid, gid, additionalGids: [...additional], home: entry?.home ?? '/' };
}

function groupId(g: string, groups: GroupEntry[]): number {
  if (isNum(g)) return Number(g);
  const gr = groups.find((x) => x.name === g);
  if (!gr) throw new TscError('USER', `Unable to find group "${g}": no matching entries in the container's /etc/group`);
  return gr.gid;
}
