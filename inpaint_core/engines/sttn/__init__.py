"""engines/sttn"""
