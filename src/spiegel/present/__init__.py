"""Presentation: Dutch number formats, tables and charts as display objects for notebooks and renderers."""
