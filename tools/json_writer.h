/* Minimal JSON output helpers for the tool's --json modes. */
#ifndef CLCNN_TOOLS_JSON_WRITER_H
#define CLCNN_TOOLS_JSON_WRITER_H

#include <stdio.h>

/* Writes s as a quoted, escaped JSON string ("null" for NULL). */
void json_string(FILE *out, const char *s);

#endif
