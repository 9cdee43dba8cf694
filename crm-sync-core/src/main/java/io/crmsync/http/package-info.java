/**
 * A small HTTP toolkit shared by the HTTP adapters: status and error-body mapping to the exception hierarchy, Retry-After parsing, bearer tokens that never print.
 */
@NullMarked
package io.crmsync.http;

import org.jspecify.annotations.NullMarked;
