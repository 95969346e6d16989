# Firestore in native mode, holding non-PHI state only. Its composite indexes
# and field overrides come from the firestore.indexes.json that the emulator
# loads, so local and deployed queries need the same indexes.
locals {
  firestore_config = jsondecode(file("${path.module}/../firestore.indexes.json"))

  firestore_indexes = {
    for index in try(local.firestore_config.indexes, []) :
    "${index.collectionGroup} ${join(",", [for f in index.fields : "${f.fieldPath}:${try(f.order, f.arrayConfig)}"])} ${try(index.queryScope, "COLLECTION")}" => index
  }

  # TTL policies for the collections in var.firestore_ttl_collections, then
  # the index file's field overrides, which win for the same field.
  firestore_fields = merge(
    {
      for collection in var.firestore_ttl_collections : "${collection} expireAt" => {
        collection = collection
        field      = "expireAt"
        ttl        = true
        indexes    = null
      }
    },
    {
      for override in try(local.firestore_config.fieldOverrides, []) : "${override.collectionGroup} ${override.fieldPath}" => {
        collection = override.collectionGroup
        field      = override.fieldPath
        ttl        = try(override.ttl, false)
        indexes    = try(override.indexes, null)
      }
    },
  )
}

resource "google_firestore_database" "main" {
  name                    = "(default)"
  location_id             = var.firestore_location
  type                    = "FIRESTORE_NATIVE"
  concurrency_mode        = "PESSIMISTIC"
  delete_protection_state = "DELETE_PROTECTION_ENABLED"
  deletion_policy         = "ABANDON"

  depends_on = [google_project_service.api]
}

resource "google_firestore_index" "index" {
  for_each = local.firestore_indexes

  database    = google_firestore_database.main.name
  collection  = each.value.collectionGroup
  query_scope = try(each.value.queryScope, "COLLECTION")

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value.fieldPath
      order        = try(fields.value.order, null)
      array_config = try(fields.value.arrayConfig, null)
    }
  }
}

resource "google_firestore_field" "field" {
  for_each = local.firestore_fields

  database   = google_firestore_database.main.name
  collection = each.value.collection
  field      = each.value.field

  dynamic "ttl_config" {
    for_each = each.value.ttl ? [true] : []
    content {}
  }

  dynamic "index_config" {
    for_each = each.value.indexes == null ? [] : [each.value.indexes]
    content {
      dynamic "indexes" {
        for_each = index_config.value
        content {
          query_scope  = try(indexes.value.queryScope, "COLLECTION")
          order        = try(indexes.value.order, null)
          array_config = try(indexes.value.arrayConfig, null)
        }
      }
    }
  }
}
