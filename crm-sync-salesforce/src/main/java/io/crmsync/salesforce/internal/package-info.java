/** Implementation of the Salesforce adapter; not part of the API. */
@NullMarked
package io.crmsync.salesforce.internal;

import org.jspecify.annotations.NullMarked;
