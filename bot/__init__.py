"""The city's 311 Rasa assistant: NLU components, input channel, custom actions."""
