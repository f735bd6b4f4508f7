// libxlsxwriter (Debian: libxlsxwriter-dev), for the report's Excel workbook.
#include <xlsxwriter.h>
