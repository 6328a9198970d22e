"""lecturelib: the library behind the Under-the-Hood workbook."""
