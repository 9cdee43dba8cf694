/**
 * Part of the adapter SPI: an HTTP toolkit for adapters. {@link io.crmsync.http.CrmHttp} sends requests
 * and maps transport failures, error statuses and bodies that are not JSON to the exception hierarchy
 * (never quoting a token endpoint's answer); {@link io.crmsync.http.Shapes} checks that an answer has
 * the shape its API documents; {@link io.crmsync.http.RetryAfter} parses the header.
 */
@NullMarked
package io.crmsync.http;

import org.jspecify.annotations.NullMarked;
