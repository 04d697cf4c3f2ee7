"""City 311 gateway: web chat, SMS, agent console and requests API in front of a Rasa bot."""

__version__ = "0.1.0"
