import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ListedObject } from '../core/manifest';

/** Pages of ListObjectsV2 under a prefix, followed to the end. */
export async function* listPages(
  s3: S3Client,
  bucket: string,
  prefix: string,
  opts: { signal?: AbortSignal; startAfter?: string; pageSize?: number } = {},
): AsyncGenerator<ListedObject[]> {
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ContinuationToken: token,
        StartAfter: token ? undefined : opts.startAfter,
        MaxKeys: opts.pageSize,
      }),
      { abortSignal: opts.signal },
    );
    yield (page.Contents ?? []).map((o) => ({
      key: o.Key!,
      size: o.Size ?? 0,
      etag: o.ETag ?? '',
      lastModified: o.LastModified ?? new Date(0),
    }));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

export async function listAll(s3: S3Client, bucket: string, prefix: string, signal?: AbortSignal): Promise<ListedObject[]> {
  const all: ListedObject[] = [];
  for await (const page of listPages(s3, bucket, prefix, { signal })) all.push(...page);
  return all;
}

export interface TextObject {
  text: string;
  etag: string;
}

export function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404;
}

export function isPreconditionFailed(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'PreconditionFailed' || err?.$metadata?.httpStatusCode === 412;
}

/** A small text object, or undefined when there is none. */
export async function getText(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<TextObject | undefined> {
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return { text: await res.Body!.transformToString('utf8'), etag: res.ETag ?? '' };
  } catch (e: unknown) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * Writes a small text object only if the stored one is still the one we read (`ifMatch`), or
 * still absent (`ifMatch: null`), so two writers cannot interleave. Throws on 412.
 */
export async function putTextConditional(
  s3: S3Client,
  bucket: string,
  key: string,
  text: string,
  ifMatch: string | null,
  contentType = 'application/json',
): Promise<string> {
  const res = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: text,
      ContentType: contentType,
      ...(ifMatch === null ? { IfNoneMatch: '*' } : { IfMatch: ifMatch }),
    }),
  );
  return res.ETag ?? '';
}

/** Deletes a key; with `ifMatch`, only while it is still the object we read (S3: 412, or 404 when gone). */
export async function deleteKey(s3: S3Client, bucket: string, key: string, ifMatch?: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(ifMatch === undefined ? {} : { IfMatch: ifMatch }) }));
}
