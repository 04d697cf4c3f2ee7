"""City-editable content (FAQ answers) and the script that turns it into Rasa responses."""
